//! The OAuth scopes each call of the connector needs, the least each (from the methods'
//! `scopes` in Google's discovery documents). Every call asks for a token of its own scope
//! only, so an administrator delegates just the scopes of the actions the playbooks use; a
//! 403 names the one the refused call needs. docs/connectors/google-workspace.md lists them per
//! action.

/// Find, read, suspend and delete users.
pub const USERS: &str = "https://www.googleapis.com/auth/admin.directory.user";
/// List every user of the customer (`offboard reconcile`, which only reads).
pub const USERS_READ: &str = "https://www.googleapis.com/auth/admin.directory.user.readonly";
/// Sign users out; list and delete their OAuth tokens and application-specific passwords.
pub const SECURITY: &str = "https://www.googleapis.com/auth/admin.directory.user.security";
/// List the groups a user is a member of.
pub const GROUPS_READ: &str = "https://www.googleapis.com/auth/admin.directory.group.readonly";
/// Remove a member from a group.
pub const MEMBERS: &str = "https://www.googleapis.com/auth/admin.directory.group.member";
/// Read and delete license assignments.
pub const LICENSING: &str = "https://www.googleapis.com/auth/apps.licensing";
/// Start and read data transfers.
pub const TRANSFERS: &str = "https://www.googleapis.com/auth/admin.datatransfer";

/// Every scope the connector may ask for.
pub const ALL: [&str; 7] = [
    USERS,
    USERS_READ,
    SECURITY,
    GROUPS_READ,
    MEMBERS,
    LICENSING,
    TRANSFERS,
];
