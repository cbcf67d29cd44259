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
            .and_then(|s| s.internal_reply_message)
            .map(|reply| reply_text(&reply));
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

/// The text of an automatic reply as Exchange stores it: the plain text sent comes back as an
/// HTML document, so a reply that looks like one (it starts with a tag and closes one) is read
/// as its text: tags dropped (line breaks and paragraph ends become white space), the common
/// character references decoded. Anything else is the text itself.
fn reply_text(reply: &str) -> String {
    let trimmed = reply.trim_start();
    if !(trimmed.starts_with('<') && trimmed.contains("</")) {
        return reply.to_owned();
    }
    let mut text = String::with_capacity(reply.len());
    let mut rest = trimmed;
    while let Some(open) = rest.find('<') {
        text.push_str(&rest[..open]);
        let Some(close) = rest[open..].find('>') else {
            rest = "";
            break;
        };
        // A tag separates words only where it breaks a line; inline tags do not.
        let tag = rest[open + 1..open + close]
            .trim_start_matches('/')
            .to_ascii_lowercase();
        if ["br", "p", "div", "li", "tr"]
            .iter()
            .any(|t| tag.split([' ', '/']).next() == Some(*t))
        {
            text.push(' ');
        }
        rest = &rest[open + close + 1..];
    }
    text.push_str(rest);
    [
        ("&nbsp;", " "),
        ("&lt;", "<"),
        ("&gt;", ">"),
        ("&quot;", "\""),
        ("&#39;", "'"),
        ("&amp;", "&"),
    ]
    .iter()
    .fold(text, |text, (reference, character)| {
        text.replace(reference, character)
    })
}

#[cfg(test)]
mod tests {
    use super::reply_text;
    use crate::connector::reply_says;

    #[test]
    fn exchange_html_reads_as_the_text_sent() {
        let sent = "Pat has left.\nWrite to Ann <ann@contoso.example> & the team.";
        let stored = "<html>\r\n<head>\r\n<meta http-equiv=\"Content-Type\" content=\"text/html\">\r\n</head>\r\n<body>\r\nPat has left.<br>\r\nWrite to Ann &lt;ann@contoso.example&gt; &amp; the team.\r\n</body>\r\n</html>\r\n";
        assert!(reply_says(Some(&reply_text(stored)), sent));
        assert!(!reply_says(Some(&reply_text(stored)), "Pat has left."));
    }

    #[test]
    fn plain_text_stays_as_it_is() {
        let sent = "<ann@contoso.example> takes over";
        assert_eq!(reply_text(sent), sent);
        assert_eq!(reply_text("a<b>c</b>"), "a<b>c</b>");
    }
}
