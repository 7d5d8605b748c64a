//! Log events: `/api/v2/logs`.

use http::Method;
use serde_json::Value;

use crate::endpoint::{Endpoint, QueryPairs};
use crate::pagination::{Page, PageRequest, PaginationSupport};
use crate::path::{self, id, lit};

model! {
    /// A log event.
    pub struct LogEvent {
        /// The log event id, also the checkpoint cursor.
        pub log_id: String,
        /// When the event happened (ISO 8601).
        pub date: String,
        /// The event type code, e.g. `s` (success login), `f` (failed login), `seccft`
        /// (success client-credentials exchange).
        #[serde(rename = "type")]
        pub event_type: String,
        /// Description of the event.
        pub description: String,
        /// The connection name.
        pub connection: String,
        /// The connection id.
        pub connection_id: String,
        /// The client id.
        pub client_id: String,
        /// The client name.
        pub client_name: String,
        /// The IP address the event came from.
        pub ip: String,
        /// The host name.
        pub hostname: String,
        /// The user id.
        pub user_id: String,
        /// The user name.
        pub user_name: String,
        /// The API audience.
        pub audience: String,
        /// The scope requested (a string or a list).
        pub scope: Value,
        /// The strategy.
        pub strategy: String,
        /// The strategy type.
        pub strategy_type: String,
        /// Event details.
        pub details: Value,
        /// The user agent.
        pub user_agent: String,
        /// Whether the event came from a mobile device.
        #[serde(rename = "isMobile")]
        pub is_mobile: bool,
        /// Location of the IP address.
        pub location_info: Value,
        /// The organization id.
        pub organization_id: String,
        /// The organization name.
        pub organization_name: String,
        /// The SDK that sent the request.
        pub auth0_client: Value,
        /// `security_context`, as Auth0's API description names it.
        pub security_context: serde_json::Value,
    }
}

str_accessors!(LogEvent: log_id, connection_id, client_id, client_name, user_id, user_name, organization_id, organization_name);

/// `GET /api/v2/logs`: lists log events (offset pages, or checkpoint pages that come back as
/// bare arrays and continue from the last `log_id`).
#[derive(Debug, Clone, Default)]
pub struct ListLogs {
    q: Option<String>,
    sort: Option<String>,
    fields: Option<(String, bool)>,
    page: Option<PageRequest>,
}

impl ListLogs {
    /// All log events.
    pub fn new() -> Self {
        Self::default()
    }

    /// A search query in Lucene syntax, e.g. `type:"seccft"` (offset mode only).
    pub fn q(mut self, query: impl Into<String>) -> Self {
        self.q = Some(query.into());
        self
    }

    /// Sort by a field: `date:1` ascending, `date:-1` descending (offset mode only).
    pub fn sort(mut self, sort: impl Into<String>) -> Self {
        self.sort = Some(sort.into());
        self
    }

    /// Returns only `fields` (comma separated) when `include` is true, or all but them.
    pub fn fields(mut self, fields: impl Into<String>, include: bool) -> Self {
        self.fields = Some((fields.into(), include));
        self
    }
}

impl Endpoint for ListLogs {
    page_response!();

    type Response = Page<LogEvent>;

    fn method(&self) -> Method {
        Method::GET
    }
    fn path(&self) -> String {
        path::build(&["logs"])
    }
    fn query(&self) -> QueryPairs {
        let mut q = QueryPairs::new();
        q.push_opt("q", self.q.as_deref())
            .push_opt("sort", self.sort.as_deref());
        crate::clients::push_fields(&mut q, &self.fields);
        if let Some(page) = &self.page {
            q.extend(page.query());
        }
        q
    }
    fn scopes(&self) -> &[&'static str] {
        &["read:logs", "read:logs_users"]
    }
}

paginated!(
    ListLogs,
    LogEvent,
    PaginationSupport::BOTH,
    "logs",
    fn cursor_of(item: &LogEvent) -> Option<String> {
        item.log_id.clone()
    }
);

id_endpoint!(
    /// `GET /api/v2/logs/{id}`: one log event.
    GetLog, GET, LogEvent, [lit("logs"), id],
    ["read:logs", "read:logs_users"]
);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Paginated;
    use serde_json::json;

    #[test]
    fn bare_array_checkpoint_continues_from_last_log_id() {
        let ep = ListLogs::new()
            .with_page(PageRequest::checkpoint(2).unwrap())
            .unwrap();
        let page: Page<LogEvent> = ep
            .parse_response(
                br#"[{"log_id":"1","type":"seccft","isMobile":false,"location_info":null},
                     {"log_id":"2","type":"brand_new_code"}]"#,
            )
            .unwrap();
        assert_eq!(
            page.items()[1].event_type.as_deref(),
            Some("brand_new_code")
        );
        assert_eq!(
            ep.next_page_request(&page),
            Some(PageRequest::checkpoint_from("2", 2).unwrap())
        );
        let short: Page<LogEvent> = ep.parse_response(br#"[{"log_id":"3"}]"#).unwrap();
        assert_eq!(ep.next_page_request(&short), None);
        let empty: Page<LogEvent> = ep.parse_response(b"[]").unwrap();
        assert_eq!(ep.next_page_request(&empty), None);
    }

    #[test]
    fn offset_envelope_with_length() {
        let ep = ListLogs::new()
            .q("type:seccft")
            .with_page(PageRequest::offset(1).unwrap())
            .unwrap();
        assert_eq!(
            ep.query().to_query_string(),
            "q=type%3Aseccft&page=0&per_page=1&include_totals=true"
        );
        let page: Page<LogEvent> = serde_json::from_value(json!({
            "start": 0, "limit": 1, "length": 1, "total": 2, "logs": [{"log_id": "a"}]
        }))
        .unwrap();
        assert_eq!(page.length(), Some(1));
        assert_eq!(
            ep.next_page_request(&page),
            Some(PageRequest::offset_page(1, 1).unwrap())
        );
        assert_eq!(GetLog::new("90020").path(), "/api/v2/logs/90020");
    }
}
