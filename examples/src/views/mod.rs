//! The conformance app's views, one per route of `shared/conformance/APP.md`,
//! `/report`, which shows async work, `/feed`, which shows streams, and
//! `/rows`, which shows LiveComponents, `/nested`, which shows child
//! LiveViews, and `/upload`, which shows file uploads.

pub mod chat;
pub mod counter;
pub mod dashboard;
pub mod feed;
pub mod form;
pub mod home;
pub mod list;
pub mod nav;
pub mod nested;
pub mod report;
pub mod rows;
pub mod search;
pub mod upload;
