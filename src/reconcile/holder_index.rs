//! The accounts of one directory by the key its groups name members with (a SCIM User `id`, a
//! normalised LDAP DN, a `uid`): each account's name and HR employee id, so group memberships
//! listed after the accounts can be turned into entitlements. Keys and values live in one
//! string arena and the hash table holds only `u32` indexes, so an account costs about 25
//! bytes plus its key, name and employee id. It only maps; it never reads a system.

use std::hash::BuildHasher;

use hashbrown::{DefaultHashBuilder, HashTable};

/// One account: where its key, name and employee id lie in the arena (one after the other).
#[derive(Clone, Copy, Debug)]
struct Holder {
    start: u32,
    key_len: u32,
    account_len: u32,
    employee_len: u32,
}

/// Accounts by member key; the first account added under a key keeps it.
#[derive(Debug, Default)]
pub(crate) struct HolderIndex {
    arena: String,
    holders: Vec<Holder>,
    table: HashTable<u32>,
    hasher: DefaultHashBuilder,
}

/// The index outgrew its `u32` offsets (4 GiB of names).
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct IndexFull;

impl HolderIndex {
    /// An empty index.
    pub fn new() -> HolderIndex {
        HolderIndex::default()
    }

    fn key_of(&self, holder: &Holder) -> &str {
        let start = holder.start as usize;
        &self.arena[start..start + holder.key_len as usize]
    }

    /// Add `account` with `employee_id` under `key`. `Ok(false)` when the key is already taken
    /// (the first account keeps it).
    pub fn insert(
        &mut self,
        key: &str,
        account: &str,
        employee_id: &str,
    ) -> Result<bool, IndexFull> {
        let hash = self.hasher.hash_one(key);
        if self.find(hash, key).is_some() {
            return Ok(false);
        }
        let start = u32::try_from(self.arena.len()).map_err(|_| IndexFull)?;
        let length = |s: &str| u32::try_from(s.len()).map_err(|_| IndexFull);
        let holder = Holder {
            start,
            key_len: length(key)?,
            account_len: length(account)?,
            employee_len: length(employee_id)?,
        };
        let end = self.arena.len() + key.len() + account.len() + employee_id.len();
        let index = u32::try_from(self.holders.len()).map_err(|_| IndexFull)?;
        if u32::try_from(end).is_err() {
            return Err(IndexFull);
        }
        self.arena.push_str(key);
        self.arena.push_str(account);
        self.arena.push_str(employee_id);
        self.holders.push(holder);
        let Self {
            holders,
            arena,
            hasher,
            table,
        } = self;
        table.insert_unique(hash, index, |&i| {
            let h = holders[i as usize];
            let start = h.start as usize;
            hasher.hash_one(&arena[start..start + h.key_len as usize])
        });
        Ok(true)
    }

    fn find(&self, hash: u64, key: &str) -> Option<&Holder> {
        self.table
            .find(hash, |&i| self.key_of(&self.holders[i as usize]) == key)
            .map(|&i| &self.holders[i as usize])
    }

    /// The account name and employee id (empty when none) under `key`.
    pub fn get(&self, key: &str) -> Option<(&str, &str)> {
        let holder = self.find(self.hasher.hash_one(key), key)?;
        let account = holder.start as usize + holder.key_len as usize;
        let employee = account + holder.account_len as usize;
        Some((
            &self.arena[account..employee],
            &self.arena[employee..employee + holder.employee_len as usize],
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_what_was_added_and_the_first_keeps_a_key() {
        let mut index = HolderIndex::new();
        assert_eq!(index.insert("id-1", "alice", "E1"), Ok(true));
        assert_eq!(index.insert("id-2", "bob", ""), Ok(true));
        assert_eq!(index.insert("id-1", "mallory", "E9"), Ok(false));
        assert_eq!(index.insert("", "nobody", "E0"), Ok(true));
        assert_eq!(index.holders.len(), 3);
        assert_eq!(index.get("id-1"), Some(("alice", "E1")));
        assert_eq!(index.get("id-2"), Some(("bob", "")));
        assert_eq!(index.get(""), Some(("nobody", "E0")));
        assert_eq!(index.get("id-3"), None);
        assert_eq!(index.get("id-"), None);
    }

    #[test]
    fn many_keys_survive_the_table_growing() {
        let mut index = HolderIndex::new();
        for i in 0..10_000 {
            let key = format!("k{i}");
            assert_eq!(
                index.insert(&key, &format!("user{i}"), &format!("E{i}")),
                Ok(true)
            );
        }
        for i in (0..10_000).step_by(997) {
            let (account, employee) = index.get(&format!("k{i}")).unwrap();
            assert_eq!(
                (account, employee),
                (format!("user{i}").as_str(), format!("E{i}").as_str())
            );
        }
    }
}
