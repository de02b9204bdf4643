//! Synthetic CleverTap-like lakes: the committed sample lake, the tests' lakes and the
//! benchmarks' lakes all come from here, so they share one realistic shape.
//!
//! Each event is a table folder with one `dt=YYYY-MM-DD` partition per day. Records carry the
//! CleverTap export fields (catalog-facts §7): `eventName`, `ts` (yyyyMMddHHmmss as a number),
//! `profile{...}`, `deviceInfo{...dimensions{...}}` and `eventProps{...}`, whose properties grow
//! over the days and whose `amount` widens from int to bigint on the third day, as real exports do.

use std::fs::File;
use std::path::Path;
use std::sync::Arc;

use arrow_array::builder::{ListBuilder, StringBuilder};
use arrow_array::{
    Array, ArrayRef, BooleanArray, Float64Array, Int32Array, Int64Array, RecordBatch, StringArray,
    StructArray,
};
use arrow_schema::{DataType, Field, Fields, Schema};
use chrono::{Days, NaiveDate};
use parquet::arrow::ArrowWriter;
pub use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;

/// What to generate.
#[derive(Debug, Clone)]
pub struct LakeSpec {
    /// CleverTap event names; each becomes a table folder named by [`crate::naming::table_name`].
    pub events: Vec<String>,
    pub first_day: NaiveDate,
    pub days: u32,
    pub files_per_day: u32,
    pub rows_per_file: usize,
}

impl LakeSpec {
    /// A lake of `events` generic event names over `days` days.
    pub fn numbered(events: usize, days: u32) -> Self {
        Self {
            events: (0..events).map(|i| format!("Event {i:03}")).collect(),
            first_day: NaiveDate::from_ymd_opt(2020, 9, 19).expect("a valid date"),
            days,
            files_per_day: 1,
            rows_per_file: 8,
        }
    }
}

/// The event names of the committed sample lake.
pub const SAMPLE_EVENTS: [&str; 3] = ["App Launched", "Charged", "Product Viewed"];

impl Default for LakeSpec {
    fn default() -> Self {
        Self {
            events: SAMPLE_EVENTS.iter().map(|e| e.to_string()).collect(),
            ..Self::numbered(0, 3)
        }
    }
}

/// Writes the lake under `root` and returns the number of files written.
pub fn write_lake(root: &Path, spec: &LakeSpec) -> std::io::Result<u64> {
    let mut written = 0;
    for event in &spec.events {
        let table = crate::naming::table_name(event);
        for day in 0..spec.days {
            let date = spec.first_day + Days::new(u64::from(day));
            let folder = root
                .join(&table)
                .join(format!("dt={}", date.format("%Y-%m-%d")));
            std::fs::create_dir_all(&folder)?;
            for index in 0..spec.files_per_day {
                let batch = event_batch(event, date, day, index, spec.rows_per_file);
                let path = folder.join(format!("part-{index:05}.parquet"));
                write_parquet(&path, &batch)?;
                written += 1;
            }
        }
    }
    Ok(written)
}

/// Writes one record batch as an uncompressed Parquet file.
pub fn write_parquet(path: &Path, batch: &RecordBatch) -> std::io::Result<()> {
    write_parquet_compressed(path, batch, Compression::UNCOMPRESSED)
}

/// Writes one record batch as a Parquet file whose pages are compressed with `compression`.
pub fn write_parquet_compressed(
    path: &Path,
    batch: &RecordBatch,
    compression: Compression,
) -> std::io::Result<()> {
    let file = File::create(path)?;
    let properties = WriterProperties::builder()
        .set_compression(compression)
        .build();
    let mut writer = ArrowWriter::try_new(file, batch.schema(), Some(properties))
        .map_err(std::io::Error::other)?;
    writer.write(batch).map_err(std::io::Error::other)?;
    writer.close().map_err(std::io::Error::other)?;
    Ok(())
}

/// A small deterministic generator, so generated lakes are identical on every machine.
struct Dice(u64);

impl Dice {
    fn new(seed: &str, day: u32, index: u32) -> Self {
        let mut state = 0xcbf2_9ce4_8422_2325_u64;
        for byte in seed
            .bytes()
            .chain(day.to_le_bytes())
            .chain(index.to_le_bytes())
        {
            state = (state ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
        }
        Self(state | 1)
    }

    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn pick<'a>(&mut self, options: &[&'a str]) -> &'a str {
        options[self.below(options.len() as u64) as usize]
    }
}

fn strings(values: impl IntoIterator<Item = String>) -> ArrayRef {
    Arc::new(StringArray::from_iter_values(values))
}

fn field(name: &str, data_type: DataType) -> Field {
    Field::new(name, data_type, true)
}

fn struct_array(columns: Vec<(Field, ArrayRef)>) -> ArrayRef {
    let (fields, arrays): (Vec<Field>, Vec<ArrayRef>) = columns.into_iter().unzip();
    Arc::new(StructArray::new(Fields::from(fields), arrays, None))
}

/// One file's records for `event` on `date` (day number `day` of the lake).
pub fn event_batch(event: &str, date: NaiveDate, day: u32, index: u32, rows: usize) -> RecordBatch {
    let mut dice = Dice::new(event, day, index);
    let ts: Vec<i64> = (0..rows)
        .map(|_| {
            let seconds = dice.below(86_400) as i64;
            let ymd: i64 = date.format("%Y%m%d").to_string().parse().expect("digits");
            ymd * 1_000_000 + (seconds / 3600) * 10_000 + (seconds / 60 % 60) * 100 + seconds % 60
        })
        .collect();

    let mut identities = ListBuilder::new(StringBuilder::new());
    for _ in 0..rows {
        let n = dice.below(3);
        for k in 0..n {
            identities
                .values()
                .append_value(format!("id-{}", dice.below(1000) + k));
        }
        identities.append(true);
    }
    let profile = struct_array(vec![
        (
            field("identity", DataType::Utf8),
            strings((0..rows).map(|_| format!("user-{}", dice.below(10_000)))),
        ),
        (
            field("objectId", DataType::Utf8),
            strings((0..rows).map(|_| format!("__{:016x}", dice.next()))),
        ),
        (
            field("platform", DataType::Utf8),
            strings((0..rows).map(|_| dice.pick(&["Android", "iOS", "Web"]).to_string())),
        ),
        (
            field("name", DataType::Utf8),
            strings((0..rows).map(|_| dice.pick(&["Asha", "Ben", "Chen", "Dara"]).to_string())),
        ),
        (
            field("email", DataType::Utf8),
            strings((0..rows).map(|_| format!("u{}@example.com", dice.below(10_000)))),
        ),
        (
            field("phone", DataType::Utf8),
            strings((0..rows).map(|_| format!("+9198{:08}", dice.below(100_000_000)))),
        ),
        (
            field("push_token", DataType::Utf8),
            strings((0..rows).map(|_| format!("fcm:{:x}", dice.next()))),
        ),
        (
            Field::new(
                "all_identities",
                DataType::List(Arc::new(Field::new("item", DataType::Utf8, true))),
                true,
            ),
            Arc::new(identities.finish()),
        ),
    ]);

    let dimensions = struct_array(vec![
        (
            field("width", DataType::Int32),
            Arc::new(Int32Array::from_iter_values(
                (0..rows).map(|_| 320 + dice.below(1200) as i32),
            )),
        ),
        (
            field("height", DataType::Int32),
            Arc::new(Int32Array::from_iter_values(
                (0..rows).map(|_| 480 + dice.below(1800) as i32),
            )),
        ),
        (
            field("unit", DataType::Utf8),
            strings((0..rows).map(|_| "px".to_string())),
        ),
    ]);
    let device_info = struct_array(vec![
        (
            field("make", DataType::Utf8),
            strings((0..rows).map(|_| dice.pick(&["Samsung", "Apple", "Xiaomi"]).to_string())),
        ),
        (
            field("model", DataType::Utf8),
            strings((0..rows).map(|_| format!("M{}", dice.below(50)))),
        ),
        (
            field("appVersion", DataType::Utf8),
            strings((0..rows).map(|_| format!("5.{}.{}", dice.below(9), dice.below(20)))),
        ),
        (
            field("sdkVersion", DataType::Int32),
            Arc::new(Int32Array::from_iter_values(
                (0..rows).map(|_| 40_000 + dice.below(900) as i32),
            )),
        ),
        (
            field("osVersion", DataType::Utf8),
            strings((0..rows).map(|_| format!("{}.{}", 10 + dice.below(5), dice.below(3)))),
        ),
        (
            field("browser", DataType::Utf8),
            strings((0..rows).map(|_| dice.pick(&["Chrome", "Safari", ""]).to_string())),
        ),
        (
            field("dpi", DataType::Int32),
            Arc::new(Int32Array::from_iter_values(
                (0..rows).map(|_| 160 * (1 + dice.below(4) as i32)),
            )),
        ),
        (
            field("dimensions", dimensions.data_type().clone()),
            dimensions,
        ),
    ]);

    let mut props: Vec<(Field, ArrayRef)> = vec![
        (
            field("CT Source", DataType::Utf8),
            strings((0..rows).map(|_| dice.pick(&["Mobile", "Web", "API"]).to_string())),
        ),
        (
            field("Product name", DataType::Utf8),
            strings((0..rows).map(|_| format!("Product {}", dice.below(500)))),
        ),
        (
            field("Category", DataType::Utf8),
            strings((0..rows).map(|_| dice.pick(&["Books", "Shoes", "Phones"]).to_string())),
        ),
        (
            field("Price", DataType::Float64),
            Arc::new(Float64Array::from_iter_values(
                (0..rows).map(|_| dice.below(100_000) as f64 / 100.0),
            )),
        ),
        (
            field("Is Member", DataType::Boolean),
            Arc::new(BooleanArray::from_iter(
                (0..rows).map(|_| Some(dice.below(2) == 0)),
            )),
        ),
        (
            field("Session Length", DataType::Int32),
            Arc::new(Int32Array::from_iter_values(
                (0..rows).map(|_| dice.below(3600) as i32),
            )),
        ),
    ];
    // Int values widen to bigint from the third day on, as exports drift.
    let amount: ArrayRef = if day < 2 {
        Arc::new(Int32Array::from_iter_values(
            (0..rows).map(|_| dice.below(10_000) as i32),
        ))
    } else {
        Arc::new(Int64Array::from_iter_values(
            (0..rows).map(|_| dice.below(10_000_000_000) as i64),
        ))
    };
    props.push((field("amount", amount.data_type().clone()), amount));
    // A new property every other day, up to ten.
    for extra in 0..(day / 2).min(10) {
        props.push((
            field(&format!("New Prop {extra}"), DataType::Utf8),
            strings((0..rows).map(|_| format!("v{}", dice.below(100)))),
        ));
    }
    let event_props = struct_array(props);

    let columns: Vec<(Field, ArrayRef)> = vec![
        (
            Field::new("eventName", DataType::Utf8, false),
            strings((0..rows).map(|_| event.to_string())),
        ),
        (
            Field::new("ts", DataType::Int64, false),
            Arc::new(Int64Array::from(ts)),
        ),
        (field("profile", profile.data_type().clone()), profile),
        (
            field("deviceInfo", device_info.data_type().clone()),
            device_info,
        ),
        (
            field("eventProps", event_props.data_type().clone()),
            event_props,
        ),
    ];
    let (fields, arrays): (Vec<Field>, Vec<ArrayRef>) = columns.into_iter().unzip();
    RecordBatch::try_new(Arc::new(Schema::new(fields)), arrays).expect("columns match their fields")
}

/// A property value of CleverTap's generic export, in the union branch of its type.
#[derive(Debug, Clone, PartialEq)]
pub enum UnionValue {
    Boolean(bool),
    Int(i32),
    BigInt(i64),
    Float(f32),
    Double(f64),
    Text(String),
}

/// The union branches of the generic export's `eventProps` (catalog-facts §7): one struct field
/// per value type, `member0` to `member5`.
pub fn union_branches() -> Fields {
    Fields::from(vec![
        field("member0", DataType::Boolean),
        field("member1", DataType::Int32),
        field("member2", DataType::Int64),
        field("member3", DataType::Float32),
        field("member4", DataType::Float64),
        field("member5", DataType::Utf8),
    ])
}

/// A batch in CleverTap's generic shape: `eventName`, `eventTime` (epoch seconds as text),
/// `deviceInfo` and `eventProps` as a union map, one record per entry of `records` (`None`: a
/// null map).
pub fn union_map_batch(event: &str, records: &[Option<Vec<(&str, UnionValue)>>]) -> RecordBatch {
    use arrow_array::builder::{
        BooleanBuilder, Float32Builder, Float64Builder, Int32Builder, Int64Builder, MapBuilder,
        StructBuilder,
    };
    let branches = union_branches();
    let mut props = MapBuilder::new(
        None,
        StringBuilder::new(),
        StructBuilder::from_fields(branches.clone(), records.len()),
    );
    for record in records {
        let Some(entries) = record else {
            props.append(false).expect("a map entry");
            continue;
        };
        for (key, value) in entries {
            props.keys().append_value(key);
            let members = props.values();
            macro_rules! member {
                ($index:expr, $builder:ty, $value:expr) => {
                    members
                        .field_builder::<$builder>($index)
                        .expect("a union branch")
                        .append_option($value)
                };
            }
            member!(
                0,
                BooleanBuilder,
                match value {
                    UnionValue::Boolean(v) => Some(*v),
                    _ => None,
                }
            );
            member!(
                1,
                Int32Builder,
                match value {
                    UnionValue::Int(v) => Some(*v),
                    _ => None,
                }
            );
            member!(
                2,
                Int64Builder,
                match value {
                    UnionValue::BigInt(v) => Some(*v),
                    _ => None,
                }
            );
            member!(
                3,
                Float32Builder,
                match value {
                    UnionValue::Float(v) => Some(*v),
                    _ => None,
                }
            );
            member!(
                4,
                Float64Builder,
                match value {
                    UnionValue::Double(v) => Some(*v),
                    _ => None,
                }
            );
            member!(
                5,
                StringBuilder,
                match value {
                    UnionValue::Text(v) => Some(v.as_str()),
                    _ => None,
                }
            );
            members.append(true);
        }
        props.append(true).expect("a map entry");
    }
    let props = props.finish();
    let rows = records.len();
    let device = struct_array(vec![
        (
            field("model", DataType::Utf8),
            strings((0..rows).map(|i| format!("device-model-{i:08}-{}", "x".repeat(40)))),
        ),
        (
            field("push_token", DataType::Utf8),
            strings(
                (0..rows)
                    .map(|i| format!("{:064x}", (i as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15))),
            ),
        ),
    ]);
    let schema = Schema::new(vec![
        field("eventName", DataType::Utf8),
        field("eventTime", DataType::Utf8),
        Field::new("deviceInfo", device.data_type().clone(), true),
        Field::new("eventProps", props.data_type().clone(), true),
    ]);
    RecordBatch::try_new(
        Arc::new(schema),
        vec![
            strings((0..rows).map(|_| event.to_string())),
            strings((0..rows).map(|i| (1_600_473_600 + i as i64 * 60).to_string())),
            device,
            Arc::new(props),
        ],
    )
    .expect("a valid union-map batch")
}
