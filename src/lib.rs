//! glueprint: Glue Data Catalog tables from Parquet footers, deterministically.
//!
//! The stages follow the data: [`store`] (the lake as objects, folders as [`location`]s) →
//! [`layout`] (tables and partitions from keys, filtered by a [`partition_filter`]) →
//! [`footer`] (footer bytes) → [`infer`] (Hive types per file) → [`merge`] (one schema per
//! table, by the rules of [`compat`]) → [`scan`] (all of it, concurrently) → [`plan`] (the
//! scans against [`declare`]d YAML and the live [`catalog`]) → [`apply`] → [`report`].
//! [`athena`] is the judge of every type string sent, [`readers`] of every file under its
//! declared type; [`discover`] samples union maps and [`views`] types them; [`cli`] only
//! parses flags and calls.

pub mod apply;
pub mod athena;
pub mod aws;
pub mod cache;
pub mod catalog;
pub mod cli;
pub mod column_path;
pub mod compat;
pub mod declare;
pub mod discover;
pub mod docs;
pub mod drift;
pub mod footer;
pub mod hive;
pub mod import;
pub mod infer;
pub mod layout;
pub mod lint;
pub mod location;
pub mod merge;
pub mod naming;
pub mod onboard;
pub mod organize;
pub mod parquet_type;
pub mod partition_filter;
pub mod plan;
pub mod problem;
pub mod readers;
pub mod report;
pub mod scan;
pub mod store;
pub mod synth;
pub mod views;
