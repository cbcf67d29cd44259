//! Users the connector has just read from Graph, kept for the read that follows at once: the
//! engine finds a user and then reads it, and after a change the connector reads the user until
//! Graph shows the change and the engine then reads it back. Each of those second reads would
//! fetch what was fetched a moment before, so the first read's user is handed to it instead,
//! once, and only within [`REUSE`]. A write to the user forgets what was kept, so every read
//! after a change is a new request.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use super::model::User;

/// How long a user just read stands for a new read of it.
const REUSE: Duration = Duration::from_secs(2);
/// Kept users beyond which the old ones are dropped (users found and never read).
const PRUNE_ABOVE: usize = 256;

/// Users just read, by id, each with the time it was read.
#[derive(Default)]
pub(super) struct Recent {
    users: Mutex<HashMap<String, (Instant, User)>>,
}

impl Recent {
    /// Keep `user`, read at `at`, for the next read of it.
    pub fn keep(&self, user: User, at: Instant) {
        let mut users = self.users.lock().unwrap_or_else(PoisonError::into_inner);
        if users.len() >= PRUNE_ABOVE {
            users.retain(|_, (read, _)| read.elapsed() < REUSE);
        }
        users.insert(user.id.clone(), (at, user));
    }

    /// The user `id` read within [`REUSE`], handed out once; `None` when there is none.
    pub fn take(&self, id: &str) -> Option<User> {
        let mut users = self.users.lock().unwrap_or_else(PoisonError::into_inner);
        users
            .remove(id)
            .filter(|(read, _)| read.elapsed() < REUSE)
            .map(|(_, user)| user)
    }

    /// Forget what was kept of user `id` (it is about to change).
    pub fn forget(&self, id: &str) {
        self.users
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(id: &str) -> User {
        serde_json::from_value(serde_json::json!({ "id": id })).unwrap()
    }

    #[test]
    fn a_kept_user_is_handed_out_once_and_only_while_fresh() {
        let recent = Recent::default();
        recent.keep(user("a"), Instant::now());
        assert_eq!(recent.take("a").map(|u| u.id), Some("a".to_owned()));
        assert!(recent.take("a").is_none(), "handed out twice");
        let old = Instant::now().checked_sub(REUSE).unwrap();
        recent.keep(user("b"), old);
        assert!(recent.take("b").is_none(), "a stale user was handed out");
        recent.keep(user("c"), Instant::now());
        recent.forget("c");
        assert!(
            recent.take("c").is_none(),
            "a forgotten user was handed out"
        );
    }

    #[test]
    fn users_found_and_never_read_are_dropped_once_stale() {
        let recent = Recent::default();
        let old = Instant::now().checked_sub(REUSE).unwrap();
        for n in 0..PRUNE_ABOVE {
            recent.keep(user(&format!("old{n}")), old);
        }
        recent.keep(user("new"), Instant::now());
        let users = recent.users.lock().unwrap();
        assert_eq!(users.len(), 1);
        assert!(users.contains_key("new"));
    }
}
