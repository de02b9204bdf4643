//! One pass over a footer's Thrift bytes, building nothing: where the schema and the embedded
//! Arrow schema lie, how deep the schema nests, whether the columns are encrypted, and which
//! codecs the column chunks use. The scan maps a schema once per distinct bytes, so for every
//! other file this pass is all the decoding there is: row-group metadata is checked and
//! skipped, never built.
//!
//! The Thrift compact protocol is read here rather than through a crate: the `thrift` crate
//! reads byte by byte through `io::Read` (a fifth of the scan's CPU went to skipping row
//! groups with it) and the parquet crate's slice reader is private.

use std::ops::Range;

use super::{FooterError, MAX_SCHEMA_DEPTH};

/// What one pass over a footer found, as ranges into its bytes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Outline {
    /// `FileMetaData.schema`: the element list, its header included.
    pub schema: Range<usize>,
    /// The values of the `ARROW:schema` entries of the key-value metadata, in footer order.
    pub arrow_schemas: Vec<Range<usize>>,
    /// The columns each row group has (the same in every one); `None` without row groups.
    row_group_columns: Option<usize>,
    /// The length of `FileMetaData.column_orders`, when present.
    column_orders: Option<usize>,
    /// The first codec Athena's reader cannot decompress, in column-chunk order.
    pub engine_codec: Option<&'static str>,
}

impl Outline {
    /// Checks what depends on the schema's column count, once the schema is known.
    pub fn check_columns(&self, schema_columns: usize) -> Result<(), FooterError> {
        if let Some(columns) = self.row_group_columns.filter(|&c| c != schema_columns) {
            return Err(corrupt(format!(
                "column count mismatch: the schema has {schema_columns} columns while a row \
                 group has {columns}"
            )));
        }
        if self
            .column_orders
            .is_some_and(|orders| orders != schema_columns)
        {
            return Err(corrupt("column order length mismatch".into()));
        }
        Ok(())
    }
}

/// Reads `footer` (the Thrift `FileMetaData`, without the 8-byte tail) once.
pub fn outline(footer: &[u8]) -> Result<Outline, FooterError> {
    // FileMetaData: 1 version, 2 schema, 3 num_rows, 4 row_groups (required); 5 key-value
    // metadata, 6 created_by, 7 column_orders, 8 encryption_algorithm (optional).
    const REQUIRED: [(i16, &str); 4] = [
        (1, "version"),
        (2, "schema"),
        (3, "num_rows"),
        (4, "row_groups"),
    ];
    let mut input = Compact::new(footer);
    let mut outline = Outline::default();
    // A missing required field inside a row group is reported only when the footer does not
    // turn out to be encrypted, which a later field says.
    let mut incomplete: Option<String> = None;
    let mut seen = 0u32;
    let mut last = 0;
    while let Some((id, kind)) = input.field(&mut last)? {
        match (id, kind) {
            (1 | 3, I16 | I32 | I64) => {
                input.integer()?;
            }
            (2, LIST) => {
                let start = input.at;
                let depth = schema_depth(&mut input)?;
                if depth > MAX_SCHEMA_DEPTH {
                    return Err(FooterError::TooDeep { depth });
                }
                outline.schema = start..input.at;
            }
            (4, LIST) => row_groups(&mut input, &mut outline, &mut incomplete)?,
            (5, LIST) => key_values(&mut input, &mut outline, &mut incomplete)?,
            (6, BINARY) => {
                let text = input.binary()?;
                utf8(footer, text, "created_by")?;
            }
            (7, LIST) => {
                let (element, size) = input.list()?;
                outline.column_orders = Some(size);
                input.skip_elements(element, size, 0)?;
            }
            // The crate is built without encryption and would pass over it in silence.
            (8, _) => return Err(FooterError::EncryptedColumns),
            // A field of another wire type than the format's is skipped, as Thrift's
            // generated readers (Trino's among them) skip it.
            _ => {
                input.skip(kind, 0)?;
                continue;
            }
        }
        seen |= 1 << id;
    }
    if let Some(problem) = incomplete {
        return Err(corrupt(problem));
    }
    if let Some((_, name)) = REQUIRED.iter().find(|(id, _)| seen & (1 << id) == 0) {
        return Err(corrupt(format!("required field {name} is missing")));
    }
    Ok(outline)
}

/// How deep the schema nests, from its flat element list (each element says how many children
/// follow), without recursion: the parquet crate decodes schemas recursively, so a crafted
/// footer with thousands of nested groups must be refused before it.
fn schema_depth(input: &mut Compact) -> Result<usize, FooterError> {
    let (element, size) = input.list()?;
    expect_element(element, STRUCT, "schema")?;
    let mut open: Vec<i64> = Vec::new();
    let mut deepest = 0;
    for _ in 0..size {
        let mut children = 0;
        let mut last = 0;
        while let Some((id, kind)) = input.field(&mut last)? {
            if id == 5 && kind == I32 {
                children = input.integer()?;
            } else {
                input.skip(kind, 1)?;
            }
        }
        while open.last() == Some(&0) {
            open.pop();
        }
        if let Some(remaining) = open.last_mut() {
            *remaining -= 1;
        }
        if children > 0 {
            open.push(children);
        }
        deepest = deepest.max(open.len());
        if deepest > MAX_SCHEMA_DEPTH {
            break;
        }
    }
    Ok(deepest)
}

fn row_groups(
    input: &mut Compact,
    outline: &mut Outline,
    incomplete: &mut Option<String>,
) -> Result<(), FooterError> {
    let (element, size) = input.list()?;
    expect_element(element, STRUCT, "row_groups")?;
    for _ in 0..size {
        // RowGroup: 1 columns, 2 total_byte_size, 3 num_rows (required).
        let mut seen = 0u8;
        let mut last = 0;
        while let Some((id, kind)) = input.field(&mut last)? {
            match (id, kind) {
                (1, LIST) => {
                    let (element, columns) = input.list()?;
                    expect_element(element, STRUCT, "columns")?;
                    match outline.row_group_columns {
                        Some(first) if first != columns => {
                            return Err(corrupt(format!(
                                "row groups have {first} and {columns} columns"
                            )));
                        }
                        _ => outline.row_group_columns = Some(columns),
                    }
                    for _ in 0..columns {
                        column_chunk(input, outline, incomplete)?;
                    }
                }
                (2 | 3, I16 | I32 | I64) => {
                    input.integer()?;
                }
                _ => {
                    input.skip(kind, 1)?;
                    continue;
                }
            }
            seen |= 1 << id;
        }
        if seen != 0b1110 && incomplete.is_none() {
            *incomplete = Some(
                "a row group lacks a required field (columns, total_byte_size or num_rows)".into(),
            );
        }
    }
    Ok(())
}

fn column_chunk(
    input: &mut Compact,
    outline: &mut Outline,
    incomplete: &mut Option<String>,
) -> Result<(), FooterError> {
    // ColumnChunk: 2 file_offset (required), 3 meta_data (required unless encrypted, which
    // this crate build does not read).
    let mut file_offset = false;
    let mut complete_metadata = false;
    let mut last = 0;
    while let Some((id, kind)) = input.field(&mut last)? {
        match (id, kind) {
            (2, I16 | I32 | I64) => {
                input.integer()?;
                file_offset = true;
            }
            (3, STRUCT) => complete_metadata = column_metadata(input, outline)?,
            _ => input.skip(kind, 2)?,
        }
    }
    if !(file_offset && complete_metadata) && incomplete.is_none() {
        *incomplete = Some("a column chunk lacks a required field".into());
    }
    Ok(())
}

/// Reads a `ColumnMetaData`, noting its codec; whether every required field was there.
fn column_metadata(input: &mut Compact, outline: &mut Outline) -> Result<bool, FooterError> {
    // 1 type, 2 encodings, 3 path_in_schema, 4 codec, 5 num_values, 6 total_uncompressed_size,
    // 7 total_compressed_size, 9 data_page_offset: required.
    const REQUIRED: u32 = 0b10_1111_1110;
    let mut seen = 0u32;
    let mut last = 0;
    while let Some((id, kind)) = input.field(&mut last)? {
        match (id, kind) {
            (1, I16 | I32 | I64) => {
                let physical = input.integer()?;
                if !(0..=7).contains(&physical) {
                    return Err(corrupt(format!("unknown physical type {physical}")));
                }
            }
            (2, LIST) => {
                let (element, size) = input.list()?;
                if element != I32 {
                    return Err(FooterError::WriterQuirk {
                        reason: format!(
                            "the encodings of a column chunk are a list of {}, not of i32",
                            type_name(element)
                        ),
                    });
                }
                input.skip_elements(element, size, 3)?;
            }
            (4, I16 | I32 | I64) => match input.integer()? {
                0..=3 | 5 | 6 => {}
                4 => {
                    outline.engine_codec.get_or_insert("BROTLI");
                }
                7 => {
                    outline.engine_codec.get_or_insert("LZ4_RAW");
                }
                other => return Err(corrupt(format!("unknown compression codec {other}"))),
            },
            (3, LIST) => {
                let (element, size) = input.list()?;
                input.skip_elements(element, size, 3)?;
            }
            (5..=7 | 9, I16 | I32 | I64) => {
                input.integer()?;
            }
            _ => {
                input.skip(kind, 3)?;
                continue;
            }
        }
        seen |= 1 << id;
    }
    Ok(seen & REQUIRED == REQUIRED)
}

fn key_values(
    input: &mut Compact,
    outline: &mut Outline,
    incomplete: &mut Option<String>,
) -> Result<(), FooterError> {
    let (element, size) = input.list()?;
    expect_element(element, STRUCT, "key_value_metadata")?;
    for _ in 0..size {
        // KeyValue: 1 key (required), 2 value.
        let (mut key, mut value) = (None, None);
        let mut last = 0;
        while let Some((id, kind)) = input.field(&mut last)? {
            match (id, kind) {
                (1 | 2, BINARY) => {
                    let text = input.binary()?;
                    utf8(input.bytes, text.clone(), "key_value_metadata")?;
                    if id == 1 {
                        key = Some(text);
                    } else {
                        value = Some(text);
                    }
                }
                _ => input.skip(kind, 2)?,
            }
        }
        match key {
            None if incomplete.is_none() => {
                *incomplete = Some("a key-value entry has no key".into());
            }
            Some(key) if &input.bytes[key.clone()] == b"ARROW:schema" => {
                outline.arrow_schemas.extend(value);
            }
            _ => {}
        }
    }
    Ok(())
}

#[cold]
fn ends_early() -> FooterError {
    corrupt("it ends in the middle of a value".into())
}

#[cold]
fn corrupt(reason: String) -> FooterError {
    FooterError::Corrupt { reason }
}

fn utf8(bytes: &[u8], text: Range<usize>, field: &str) -> Result<(), FooterError> {
    std::str::from_utf8(&bytes[text])
        .map(|_| ())
        .map_err(|error| corrupt(format!("{field} is not UTF-8 ({error})")))
}

/// A list whose elements are another type than the format's: a writer quirk that lenient
/// readers (pyarrow, DuckDB) read past, as the parquet crate does not.
fn expect_element(element: u8, expected: u8, field: &str) -> Result<(), FooterError> {
    if element == expected {
        return Ok(());
    }
    Err(FooterError::WriterQuirk {
        reason: format!(
            "{field} is a list of {}, not of {}",
            type_name(element),
            type_name(expected)
        ),
    })
}

// The compact protocol's type codes.
const STOP: u8 = 0;
const TRUE: u8 = 1;
const FALSE: u8 = 2;
const BYTE: u8 = 3;
const I16: u8 = 4;
const I32: u8 = 5;
const I64: u8 = 6;
const DOUBLE: u8 = 7;
const BINARY: u8 = 8;
const LIST: u8 = 9;
const SET: u8 = 10;
const MAP: u8 = 11;
const STRUCT: u8 = 12;
const UUID: u8 = 13;

fn type_name(kind: u8) -> &'static str {
    match kind {
        TRUE | FALSE => "bool",
        BYTE => "byte",
        I16 => "i16",
        I32 => "i32",
        I64 => "i64",
        DOUBLE => "double",
        BINARY => "binary",
        LIST => "list",
        SET => "set",
        MAP => "map",
        STRUCT => "struct",
        UUID => "uuid",
        _ => "unknown type",
    }
}

/// Nesting a skipped value may have below the fields this module reads: Parquet's own
/// structures nest a few levels; anything deeper is a crafted footer.
const MAX_SKIP_DEPTH: usize = 64;

/// A cursor over Thrift compact-protocol bytes.
struct Compact<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Compact<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        Self { bytes, at: 0 }
    }

    fn remaining(&self) -> usize {
        self.bytes.len() - self.at
    }

    #[inline(always)]
    fn byte(&mut self) -> Result<u8, FooterError> {
        let Some(&byte) = self.bytes.get(self.at) else {
            return Err(ends_early());
        };
        self.at += 1;
        Ok(byte)
    }

    #[inline(always)]
    fn advance(&mut self, count: usize) -> Result<(), FooterError> {
        if count > self.remaining() {
            return Err(corrupt("a value runs past its end".into()));
        }
        self.at += count;
        Ok(())
    }

    #[inline(always)]
    fn varint(&mut self) -> Result<u64, FooterError> {
        let first = self.byte()?;
        if first < 0x80 {
            return Ok(u64::from(first));
        }
        self.long_varint(first)
    }

    fn long_varint(&mut self, first: u8) -> Result<u64, FooterError> {
        let mut value = u64::from(first & 0x7f);
        for shift in (7..64).step_by(7) {
            let byte = self.byte()?;
            value |= u64::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err(corrupt("a varint is longer than 10 bytes".into()))
    }

    /// A zigzag-encoded i16, i32 or i64 (the caller matched the field's type).
    fn integer(&mut self) -> Result<i64, FooterError> {
        let raw = self.varint()?;
        Ok((raw >> 1) as i64 ^ -((raw & 1) as i64))
    }

    /// A length-prefixed binary, as the range of its bytes.
    fn binary(&mut self) -> Result<Range<usize>, FooterError> {
        let length = usize::try_from(self.varint()?).unwrap_or(usize::MAX);
        let start = self.at;
        self.advance(length)?;
        Ok(start..self.at)
    }

    /// The next field's id and type; `None` at the struct's end.
    #[inline(always)]
    fn field(&mut self, last: &mut i16) -> Result<Option<(i16, u8)>, FooterError> {
        let header = self.byte()?;
        let kind = header & 0x0f;
        if kind == STOP {
            return Ok(None);
        }
        let delta = i16::from(header >> 4);
        let id = if delta == 0 {
            i16::try_from(self.integer()?)
                .map_err(|_| corrupt("a field id is out of range".into()))?
        } else {
            last.checked_add(delta)
                .ok_or_else(|| corrupt("a field id is out of range".into()))?
        };
        *last = id;
        Ok(Some((id, kind)))
    }

    /// A list or set header: its element type and size. Every element takes a byte at least,
    /// so a size past the remaining bytes is refused before anything counts on it.
    fn list(&mut self) -> Result<(u8, usize), FooterError> {
        let header = self.byte()?;
        let size = match header >> 4 {
            15 => usize::try_from(self.varint()?).unwrap_or(usize::MAX),
            short => usize::from(short),
        };
        if size > self.remaining() {
            return Err(corrupt(format!(
                "a list claims {size} elements in {} bytes",
                self.remaining()
            )));
        }
        Ok((header & 0x0f, size))
    }

    fn skip_elements(
        &mut self,
        element: u8,
        count: usize,
        depth: usize,
    ) -> Result<(), FooterError> {
        for _ in 0..count {
            match element {
                // In a collection, a boolean takes a byte.
                TRUE | FALSE => self.advance(1)?,
                _ => self.skip(element, depth + 1)?,
            }
        }
        Ok(())
    }

    /// Skips a field's value of type `kind`, `depth` levels below the outermost struct.
    #[inline(always)]
    fn skip(&mut self, kind: u8, depth: usize) -> Result<(), FooterError> {
        match kind {
            TRUE | FALSE => Ok(()),
            BYTE => self.advance(1),
            I16 | I32 | I64 => self.varint().map(|_| ()),
            DOUBLE => self.advance(8),
            UUID => self.advance(16),
            BINARY => self.binary().map(|_| ()),
            _ => self.skip_nested(kind, depth),
        }
    }

    fn skip_nested(&mut self, kind: u8, depth: usize) -> Result<(), FooterError> {
        if depth > MAX_SKIP_DEPTH {
            return Err(corrupt("values nest too deep".into()));
        }
        match kind {
            LIST | SET => {
                let (element, size) = self.list()?;
                self.skip_elements(element, size, depth)
            }
            MAP => {
                let size = usize::try_from(self.varint()?).unwrap_or(usize::MAX);
                if size == 0 {
                    return Ok(());
                }
                if size > self.remaining() {
                    return Err(corrupt(format!("a map claims {size} entries")));
                }
                let types = self.byte()?;
                for _ in 0..size {
                    self.skip_elements(types >> 4, 1, depth)?;
                    self.skip_elements(types & 0x0f, 1, depth)?;
                }
                Ok(())
            }
            STRUCT => {
                let mut last = 0;
                while let Some((_, kind)) = self.field(&mut last)? {
                    self.skip(kind, depth + 1)?;
                }
                Ok(())
            }
            other => Err(corrupt(format!("unknown Thrift type {other}"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow_array::{ArrayRef, Int32Array, RecordBatch, StringArray};
    use parquet::arrow::ArrowWriter;
    use parquet::basic::Compression;
    use parquet::file::properties::WriterProperties;
    use proptest::prelude::*;
    use thrift::protocol::{
        TCompactOutputProtocol, TFieldIdentifier, TListIdentifier, TOutputProtocol,
        TStructIdentifier, TType,
    };

    use super::*;

    /// The footer (without its tail) of a two-column file written by arrow-rs.
    fn written_footer(compression: Compression, row_groups: usize) -> Vec<u8> {
        let batch = RecordBatch::try_from_iter([
            ("id", Arc::new(Int32Array::from(vec![1, 2])) as ArrayRef),
            (
                "name",
                Arc::new(StringArray::from(vec!["a", "b"])) as ArrayRef,
            ),
        ])
        .unwrap();
        let properties = WriterProperties::builder()
            .set_compression(compression)
            .build();
        let mut file = Vec::new();
        let mut writer = ArrowWriter::try_new(&mut file, batch.schema(), Some(properties)).unwrap();
        for _ in 0..row_groups {
            writer.write(&batch).unwrap();
            writer.flush().unwrap();
        }
        writer.close().unwrap();
        let length = u32::from_le_bytes(file[file.len() - 8..file.len() - 4].try_into().unwrap());
        file[file.len() - 8 - length as usize..file.len() - 8].to_vec()
    }

    #[test]
    fn a_written_footer_is_outlined_as_the_crate_decodes_it() {
        let footer = written_footer(Compression::SNAPPY, 3);
        let outline = outline(&footer).unwrap();
        let decoded = super::super::metadata(&footer).unwrap();
        let schema = decoded.file_metadata().schema_descr();
        assert_eq!(decoded.num_row_groups(), 3);
        outline.check_columns(schema.num_columns()).unwrap();
        assert!(outline.check_columns(schema.num_columns() + 1).is_err());
        let arrow = decoded
            .file_metadata()
            .key_value_metadata()
            .and_then(|entries| entries.iter().find(|e| e.key == "ARROW:schema"))
            .and_then(|entry| entry.value.clone())
            .unwrap();
        assert_eq!(outline.arrow_schemas.len(), 1);
        assert_eq!(&footer[outline.arrow_schemas[0].clone()], arrow.as_bytes());
        // The schema range is the element list: two files with equal schemas share it.
        let other = written_footer(Compression::ZSTD(Default::default()), 1);
        let other_outline = super::outline(&other).unwrap();
        assert_eq!(
            &footer[outline.schema.clone()],
            &other[other_outline.schema.clone()]
        );
        assert_eq!(outline.engine_codec, None);
    }

    #[test]
    fn codecs_the_engine_cannot_read_are_found() {
        let cases = [
            (Compression::UNCOMPRESSED, None),
            (Compression::SNAPPY, None),
            (Compression::GZIP(Default::default()), None),
            (Compression::LZ4, None),
            (Compression::ZSTD(Default::default()), None),
            (Compression::BROTLI(Default::default()), Some("BROTLI")),
            (Compression::LZ4_RAW, Some("LZ4_RAW")),
        ];
        for (compression, expected) in cases {
            let outline = outline(&written_footer(compression, 1)).unwrap();
            assert_eq!(outline.engine_codec, expected, "{compression:?}");
        }
    }

    /// A `FileMetaData` written field by field: an int32 leaf per schema column.
    struct Crafted {
        leaves: usize,
        /// Per row group, the codec of each column chunk.
        row_groups: Vec<Vec<i32>>,
        row_group_rows: bool,
        chunk_metadata: bool,
        encrypted: bool,
    }

    impl Default for Crafted {
        fn default() -> Self {
            Self {
                leaves: 2,
                row_groups: vec![vec![0, 0]],
                row_group_rows: true,
                chunk_metadata: true,
                encrypted: false,
            }
        }
    }

    impl Crafted {
        fn bytes(&self) -> Vec<u8> {
            let mut bytes = Vec::new();
            let mut out = TCompactOutputProtocol::new(&mut bytes);
            let field = |out: &mut TCompactOutputProtocol<&mut Vec<u8>>, kind, id| {
                out.write_field_begin(&TFieldIdentifier::new("f", kind, id))
                    .unwrap();
            };
            let begin = |out: &mut TCompactOutputProtocol<&mut Vec<u8>>| {
                out.write_struct_begin(&TStructIdentifier::new("s"))
                    .unwrap();
            };
            let end = |out: &mut TCompactOutputProtocol<&mut Vec<u8>>| {
                out.write_field_stop().unwrap();
                out.write_struct_end().unwrap();
            };
            begin(&mut out);
            field(&mut out, TType::I32, 1);
            out.write_i32(2).unwrap();
            field(&mut out, TType::List, 2);
            out.write_list_begin(&TListIdentifier::new(TType::Struct, self.leaves as i32 + 1))
                .unwrap();
            for element in 0..=self.leaves {
                begin(&mut out);
                if element > 0 {
                    field(&mut out, TType::I32, 1);
                    out.write_i32(1).unwrap();
                    field(&mut out, TType::I32, 3);
                    out.write_i32(1).unwrap();
                }
                field(&mut out, TType::String, 4);
                out.write_string(&format!("c{element}")).unwrap();
                if element == 0 {
                    field(&mut out, TType::I32, 5);
                    out.write_i32(self.leaves as i32).unwrap();
                }
                end(&mut out);
            }
            field(&mut out, TType::I64, 3);
            out.write_i64(1).unwrap();
            field(&mut out, TType::List, 4);
            out.write_list_begin(&TListIdentifier::new(
                TType::Struct,
                self.row_groups.len() as i32,
            ))
            .unwrap();
            for codecs in &self.row_groups {
                begin(&mut out);
                field(&mut out, TType::List, 1);
                out.write_list_begin(&TListIdentifier::new(TType::Struct, codecs.len() as i32))
                    .unwrap();
                for (index, codec) in codecs.iter().enumerate() {
                    begin(&mut out);
                    field(&mut out, TType::I64, 2);
                    out.write_i64(4).unwrap();
                    if self.chunk_metadata {
                        field(&mut out, TType::Struct, 3);
                        begin(&mut out);
                        field(&mut out, TType::I32, 1);
                        out.write_i32(1).unwrap();
                        field(&mut out, TType::List, 2);
                        out.write_list_begin(&TListIdentifier::new(TType::I32, 1))
                            .unwrap();
                        out.write_i32(0).unwrap();
                        field(&mut out, TType::List, 3);
                        out.write_list_begin(&TListIdentifier::new(TType::String, 1))
                            .unwrap();
                        out.write_string(&format!("c{}", index + 1)).unwrap();
                        field(&mut out, TType::I32, 4);
                        out.write_i32(*codec).unwrap();
                        for id in [5, 6, 7, 9] {
                            field(&mut out, TType::I64, id);
                            out.write_i64(4).unwrap();
                        }
                        end(&mut out);
                    }
                    end(&mut out);
                }
                field(&mut out, TType::I64, 2);
                out.write_i64(8).unwrap();
                if self.row_group_rows {
                    field(&mut out, TType::I64, 3);
                    out.write_i64(1).unwrap();
                }
                end(&mut out);
            }
            if self.encrypted {
                field(&mut out, TType::Struct, 8);
                begin(&mut out);
                end(&mut out);
            }
            end(&mut out);
            bytes
        }
    }

    fn reason(error: FooterError) -> String {
        match error {
            FooterError::Corrupt { reason } | FooterError::WriterQuirk { reason } => reason,
            other => format!("{other:?}"),
        }
    }

    #[test]
    fn a_crafted_footer_is_read_as_the_crate_reads_it() {
        let footer = Crafted::default().bytes();
        let outline = outline(&footer).unwrap();
        let decoded = super::super::metadata(&footer).unwrap();
        assert_eq!(decoded.file_metadata().schema_descr().num_columns(), 2);
        outline.check_columns(2).unwrap();
    }

    #[test]
    fn row_group_metadata_is_checked_though_never_built() {
        let fewer_chunks = Crafted {
            row_groups: vec![vec![0, 0], vec![0]],
            ..Crafted::default()
        };
        let reason_of = |crafted: Crafted| reason(outline(&crafted.bytes()).unwrap_err());
        assert_eq!(reason_of(fewer_chunks), "row groups have 2 and 1 columns");
        let one_chunk = Crafted {
            row_groups: vec![vec![0]],
            ..Crafted::default()
        };
        let error = outline(&one_chunk.bytes()).unwrap().check_columns(2);
        assert!(reason(error.unwrap_err()).contains("column count mismatch"));
        let no_rows = Crafted {
            row_group_rows: false,
            ..Crafted::default()
        };
        assert!(reason_of(no_rows).contains("a row group lacks a required field"));
        let no_metadata = Crafted {
            chunk_metadata: false,
            ..Crafted::default()
        };
        assert!(reason_of(no_metadata).contains("column chunk lacks a required field"));
        let unknown_codec = Crafted {
            row_groups: vec![vec![0, 9]],
            ..Crafted::default()
        };
        assert_eq!(reason_of(unknown_codec), "unknown compression codec 9");
        // Each of them is refused by the crate's full decode too.
        for crafted in [
            Crafted {
                row_groups: vec![vec![0]],
                ..Crafted::default()
            },
            Crafted {
                row_group_rows: false,
                ..Crafted::default()
            },
            Crafted {
                chunk_metadata: false,
                ..Crafted::default()
            },
        ] {
            let bytes = crafted.bytes();
            assert!(
                parquet::file::metadata::ParquetMetaDataReader::decode_metadata(&bytes).is_err()
            );
        }
    }

    #[test]
    fn encrypted_columns_are_said_even_when_their_metadata_is_hidden() {
        let encrypted = Crafted {
            chunk_metadata: false,
            encrypted: true,
            ..Crafted::default()
        };
        assert!(matches!(
            outline(&encrypted.bytes()),
            Err(FooterError::EncryptedColumns)
        ));
    }

    proptest! {
        #[test]
        fn every_cut_of_a_footer_is_an_error_never_a_panic(
            cut in 0usize..1000,
            compression in prop::sample::select(vec![Compression::SNAPPY, Compression::LZ4_RAW]),
        ) {
            let footer = written_footer(compression, 2);
            let cut = cut % footer.len();
            prop_assert!(outline(&footer[..cut]).is_err());
        }

        #[test]
        fn flipped_bytes_never_panic(at in 0usize..1000, byte in any::<u8>()) {
            let mut footer = written_footer(Compression::SNAPPY, 2);
            let at = at % footer.len();
            footer[at] = byte;
            let _ = outline(&footer);
        }
    }
}
