//! The hand-over of a leaver's mailbox: the automatic reply (`mailboxSettings`,
//! `automaticRepliesSetting`) that tells senders whom to write to instead, and the manager Entra
//! records (`/manager`), read with it so the step's evidence names who takes over. Converting
//! the mailbox to a shared one is an Exchange Online operation Graph does not offer: a `manual`
//! step (docs/connectors/entra.md).

use reqwest::{Method, StatusCode};
use serde_json::json;

use super::connector::EntraConnector;
use super::graph::decode;
use super::model::{MailboxSettings, User};
use super::permissions;
use crate::connector::{AccountState, ConnectorError};

impl EntraConnector {
    /// Read the automatic reply (when it is on) and the manager of user `id` into `state`. A
    /// user without a mailbox Graph can reach is an error: there is no reply to set.
    pub(super) fn read_mailbox(
        &self,
        id: &str,
        state: &mut AccountState,
    ) -> Result<(), ConnectorError> {
        let url = self.graph.url(
            &["users", id, "mailboxSettings"],
            &[("$select", "automaticRepliesSetting")],
        );
        let path = url.path().to_owned();
        let answer = self
            .graph
            .send(Method::GET, url, None, permissions::MAILBOX_SETTINGS)?;
        if answer.status == StatusCode::NOT_FOUND {
            return Err(ConnectorError::Permanent {
                message: format!(
                    "Entra: user {id} has no mailbox Graph can reach (404 on mailboxSettings); \
                     set the automatic reply in Exchange Online, or drop the step"
                ),
            });
        }
        let settings: MailboxSettings = decode(&path, &answer.body)?;
        state.auto_reply = settings
            .automatic_replies_setting
            .filter(|s| s.status.as_deref().is_some_and(|s| s != "disabled"))
            .and_then(|s| s.internal_reply_message);
        // No $select: the description allows only directoryObject's properties on it, and a
        // user's default properties carry the sign-in name.
        let url = self.graph.url(&["users", id, "manager"], &[]);
        let manager: Option<User> = self.graph.get(url, permissions::READ_USERS)?;
        state.manager = manager.map(|m| m.user_principal_name.unwrap_or(m.id));
        Ok(())
    }

    /// Turn on user `id`'s automatic reply, inside and outside the organisation, with
    /// `message`, until it is turned off.
    pub(super) fn set_auto_reply(&self, id: &str, message: &str) -> Result<(), ConnectorError> {
        let url = self.graph.url(&["users", id, "mailboxSettings"], &[]);
        let body = json!({
            "automaticRepliesSetting": {
                "status": "alwaysEnabled",
                "externalAudience": "all",
                "internalReplyMessage": message,
                "externalReplyMessage": message,
            }
        });
        self.graph.send(
            Method::PATCH,
            url,
            Some(&body),
            permissions::MAILBOX_SETTINGS,
        )?;
        Ok(())
    }
}
