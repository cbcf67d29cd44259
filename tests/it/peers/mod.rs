//! The connectors against real peers and scripted servers: SCIM (scim2-server, and a scripted
//! server for faults), LDAP (OpenLDAP `slapd`, also over TLS), the signed webhook, the fake
//! Microsoft Graph (and the Entra connector through the binary against it), the fake Google
//! Workspace, the fake Okta, the Northwind example end to end against all of them, the Contoso example
//! end to end against the fake Graph, and the Fabrikam example end to end against the fake Okta
//! and the fake Google Workspace; the leaver playbooks for an Okta company and a Google
//! Workspace company against their fakes.

mod contoso;
pub(crate) mod entra;
mod fabrikam;
mod google;
pub(crate) mod google_workspace;
mod graph;
mod ldap;
mod ldap_tls;
pub(crate) mod northwind;
mod okta;
mod scim;
mod scim_faults;
mod variants;
mod webhook;
