//! Data hand-over over the Admin SDK Data Transfer API: Drive and Docs, and Calendar, of a
//! leaving user to another user. A transfer runs asynchronously: inserted, then read back
//! (`transfers.list` by old owner) until Google shows it completed or failed. One insert per
//! hand-over: while a transfer to the same receiver runs or once it completed, nothing new is
//! started; after a failed one, a new one is.

use std::collections::{BTreeMap, HashMap};

use reqwest::Method;
use serde::Deserialize;
use serde_json::{Value, json};

use super::connector::GoogleConnector;
use super::scopes;
use crate::connector::{ConnectorError, DataTransfer, TransferStatus, latest_to};

/// Google's application id of Drive and Docs, its name, and what is handed over: files the user
/// shared and files only they could see.
const DRIVE: (&str, &str) = ("55656082996", "Drive and Docs");
/// Google's application id of Calendar and its name; the user's future events' resources
/// (rooms) are released.
const CALENDAR: (&str, &str) = ("435070579839", "Calendar");

/// A transfer as the API shows it (`admin#datatransfer#DataTransfer`).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Transfer {
    id: String,
    new_owner_user_id: String,
    #[serde(default)]
    request_time: String,
    #[serde(default)]
    overall_transfer_status_code: String,
    #[serde(default)]
    application_data_transfers: Vec<ApplicationTransfer>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ApplicationTransfer {
    application_id: String,
    #[serde(default)]
    application_transfer_status: String,
}

fn status(code: &str) -> TransferStatus {
    match code {
        "completed" => TransferStatus::Completed,
        "failed" => TransferStatus::Failed,
        _ => TransferStatus::InProgress,
    }
}

fn application_name(id: &str) -> String {
    [DRIVE, CALENDAR]
        .iter()
        .find(|(app, _)| *app == id)
        .map_or_else(
            || format!("application {id}"),
            |(_, name)| (*name).to_owned(),
        )
}

impl GoogleConnector {
    /// The transfers from user `id`, each receiver named by primary email, sorted.
    pub(super) fn transfers(&self, id: &str) -> Result<Vec<DataTransfer>, ConnectorError> {
        let url = self.datatransfer(&["transfers"], &[("oldOwnerUserId", id)]);
        let listed: Vec<Transfer> = self
            .api
            .list(url, "dataTransfers", scopes::TRANSFERS)?
            .unwrap_or_default();
        let mut emails: HashMap<String, String> = HashMap::new();
        let mut transfers = Vec::new();
        for transfer in listed {
            let owner = &transfer.new_owner_user_id;
            if !emails.contains_key(owner) {
                let email = self
                    .user(owner)?
                    .map_or_else(|| owner.clone(), |u| u.primary_email);
                emails.insert(owner.clone(), email);
            }
            let applications: BTreeMap<String, String> = transfer
                .application_data_transfers
                .iter()
                .map(|a| {
                    let name = application_name(&a.application_id);
                    (name, a.application_transfer_status.clone())
                })
                .collect();
            transfers.push(DataTransfer {
                to: emails[owner].clone(),
                status: status(&transfer.overall_transfer_status_code),
                id: transfer.id,
                requested_at: transfer.request_time,
                applications,
            });
        }
        transfers.sort();
        Ok(transfers)
    }

    /// Start the hand-over of user `id`'s Drive and Calendar data to `to`, unless one to them
    /// runs or completed already.
    pub(super) fn transfer(&self, id: &str, to: &str) -> Result<(), ConnectorError> {
        let Some(receiver) = self.user(to)? else {
            return Err(ConnectorError::Permanent {
                message: format!(
                    "Google Workspace: the receiver {to} of the data has no account in the customer"
                ),
            });
        };
        let transfers = self.transfers(id)?;
        if latest_to(&transfers, &receiver.primary_email)
            .is_some_and(|t| t.status != TransferStatus::Failed)
        {
            return Ok(());
        }
        let param = |key: &str, values: &[&str]| json!([{ "key": key, "value": values }]);
        let body: Value = json!({
            "oldOwnerUserId": id,
            "newOwnerUserId": receiver.id,
            "applicationDataTransfers": [
                {"applicationId": DRIVE.0,
                 "applicationTransferParams": param("PRIVACY_LEVEL", &["PRIVATE", "SHARED"])},
                {"applicationId": CALENDAR.0,
                 "applicationTransferParams": param("RELEASE_RESOURCES", &["TRUE"])},
            ],
        });
        let url = self.datatransfer(&["transfers"], &[]);
        self.api
            .send(Method::POST, url, Some(&body), scopes::TRANSFERS)?;
        Ok(())
    }

    /// Refuse to delete user `id` while a transfer of their data runs.
    pub(super) fn no_transfer_running(&self, id: &str) -> Result<(), ConnectorError> {
        match self
            .transfers(id)?
            .into_iter()
            .find(|t| t.status == TransferStatus::InProgress)
        {
            Some(t) => Err(ConnectorError::Permanent {
                message: format!(
                    "Google Workspace: data transfer {} to {} is still in progress; the user is \
                     not deleted before it completed",
                    t.id, t.to
                ),
            }),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_and_application_names() {
        assert_eq!(status("completed"), TransferStatus::Completed);
        assert_eq!(status("failed"), TransferStatus::Failed);
        assert_eq!(status("inProgress"), TransferStatus::InProgress);
        assert_eq!(application_name("435070579839"), "Calendar");
        assert_eq!(application_name("1"), "application 1");
    }
}
