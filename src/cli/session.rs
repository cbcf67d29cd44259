//! What the runs started by one command share. A batch builds each playbook's connectors once,
//! so a connector's `concurrency` bounds its requests in flight across every employee of the
//! batch, and runs going in parallel neither draw a progress bar nor prompt for sign-off.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use crate::execute::engine::Target;
use crate::execute::targets::build_targets;
use crate::playbook::{Config, Playbook};

/// The connectors a playbook uses, by configured name.
pub type Targets = HashMap<String, Target>;

/// State shared by the runs of one command.
#[derive(Default)]
pub struct Session {
    /// Connectors built so far, by playbook name.
    targets: Mutex<HashMap<String, Arc<Targets>>>,
    /// True when several runs execute at once.
    pub parallel: bool,
}

impl Session {
    /// A session whose runs execute `parallel`ly or one after another.
    pub fn new(parallel: bool) -> Session {
        Session {
            targets: Mutex::default(),
            parallel,
        }
    }

    /// The connectors of `playbook`, built on first use.
    pub fn targets(&self, config: &Config, playbook: &Playbook) -> Result<Arc<Targets>, String> {
        let mut built = self.targets.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(targets) = built.get(&playbook.name) {
            return Ok(Arc::clone(targets));
        }
        let targets = Arc::new(build_targets(config, playbook)?);
        built.insert(playbook.name.clone(), Arc::clone(&targets));
        Ok(targets)
    }
}
