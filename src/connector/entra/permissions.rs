//! The Microsoft Graph application permissions each call of the connector needs, least
//! privilege first. A 403 names the one the refused call needs; docs/connectors/entra.md lists
//! them per action.

/// Find and read users, including `signInSessionsValidFromDateTime` and licenses.
pub const READ_USERS: &str = "User.Read.All";
/// Read the users' `signInActivity` (with [`READ_USERS`]; the tenant needs Entra ID P1 or P2).
pub const READ_SIGN_INS: &str = "AuditLog.Read.All";
/// List a user's group memberships.
pub const READ_GROUPS: &str = "GroupMember.Read.All";
/// List the tenant's subscribed SKUs (license part numbers).
pub const READ_SKUS: &str = "Organization.Read.All";
/// Set `accountEnabled`.
pub const DISABLE_USERS: &str = "User.EnableDisableAccount.All";
/// `revokeSignInSessions`.
pub const REVOKE_SESSIONS: &str = "User.RevokeSessions.All";
/// Remove a member from a group.
pub const WRITE_MEMBERS: &str = "GroupMember.ReadWrite.All";
/// `assignLicense`.
pub const ASSIGN_LICENSES: &str = "LicenseAssignment.ReadWrite.All";
/// Read and set a mailbox's automatic reply (`mailboxSettings`).
pub const MAILBOX_SETTINGS: &str = "MailboxSettings.ReadWrite";
/// Delete a user.
pub const DELETE_USERS: &str = "User.DeleteRestore.All";
