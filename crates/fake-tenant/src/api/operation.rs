//! The type of one operation of Auth0's Management API description, as the generated route table
//! (`generated.rs`) lists them and the generic handler reads them. It imports nothing of the
//! handlers.

/// How a generated operation pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Paging {
    /// Not a list.
    None,
    /// `page` / `per_page` / `include_totals`.
    Offset,
    /// `from` / `take`.
    Checkpoint,
    /// Either.
    Both,
}

/// One operation of the description.
#[derive(Debug)]
pub(crate) struct Op {
    /// The description's `operationId`.
    pub(crate) id: &'static str,
    /// The HTTP method.
    pub(crate) method: &'static str,
    /// The path template below `/api/v2`.
    pub(crate) path: &'static str,
    /// The scopes of which a token needs any one.
    pub(crate) scopes: &'static [&'static str],
    /// The status of a successful answer.
    pub(crate) status: u16,
    /// How it pages.
    pub(crate) paging: Paging,
    /// The envelope's item list.
    pub(crate) items_key: Option<&'static str>,
    /// The fields of the offset envelope beside the items (`start`, `limit`, `total`…).
    pub(crate) envelope: &'static [&'static str],
    /// Whether the answer may be a bare array (offset lists answer one without
    /// `include_totals=true`).
    pub(crate) bare: bool,
    /// A sample item of the bare-array answer, when its schema differs from the envelope's
    /// items (`FlowSummary` beside `Flow`); empty otherwise.
    pub(crate) bare_sample: &'static str,
    /// A sample answer (one item for a list), JSON; empty when the answer has no body.
    pub(crate) sample: &'static str,
    /// The answer's shape where it holds a union of several alternatives (empty otherwise, when
    /// the sample is the shape): the sample with each union written as
    /// `{"$oneOf": [{"tags": {…}, "shape": …}, …]}`, `tags` being the properties that name an
    /// alternative (`{"type": "datadog"}`), and each object inside an alternative naming its
    /// optional properties under `"$optional"`.
    pub(crate) shape: &'static str,
    /// The top-level properties the request body may hold, where its schema closes them
    /// (`additionalProperties: false`); empty otherwise.
    pub(crate) body_props: &'static [&'static str],
    /// A JSON request body valid against the description, where the operation takes one (empty
    /// otherwise): what the routes listing offers a client checking every operation.
    pub(crate) body_sample: &'static str,
}
