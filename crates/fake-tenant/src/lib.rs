//! Local Auth0 tenant.
