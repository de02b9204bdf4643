//! Which Hive types widen to which: the widenings Athena documents as safe (catalog-facts §4),
//! and the merge of two types field by field. The merger, plan and onboard ask here; whether a
//! file's column reads under a declared type is [`crate::readers`]' question (it needs the
//! Parquet types).

use crate::column_path::ColumnPath;
use crate::hive::{HiveType, MAX_DECIMAL_PRECISION, StructField, same_name};

/// Two types at `path` (relative to the column, empty for the column itself) that no single
/// type reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Clash {
    pub path: String,
    pub left: HiveType,
    pub right: HiveType,
}

/// The narrowest type that reads values of both `a` and `b`, if the engines promise one.
pub fn widen(a: &HiveType, b: &HiveType) -> Result<HiveType, Clash> {
    let mut clashes = Vec::new();
    let merged = merge_types(a, b, &ColumnPath::default(), &mut clashes);
    match clashes.into_iter().next() {
        None => Ok(merged),
        Some(clash) => Err(clash),
    }
}

/// Merges `b` into `a` field by field: where they clash, `a`'s type stays at that path and the
/// clash is recorded; everywhere else types widen and new struct fields are added. One clash
/// never hides another, nor a widening or a new field elsewhere in the same type.
pub fn merge_types(
    a: &HiveType,
    b: &HiveType,
    path: &ColumnPath,
    clashes: &mut Vec<Clash>,
) -> HiveType {
    use HiveType as H;
    if a == b {
        return a.clone();
    }
    let mut clash = || {
        clashes.push(Clash {
            path: path.to_string(),
            left: a.clone(),
            right: b.clone(),
        });
        a.clone()
    };
    match (a, b) {
        (H::Array(x), H::Array(y)) => H::array(merge_types(x, y, &path.element(), clashes)),
        (H::Map(ak, av), H::Map(bk, bv)) => H::map(
            merge_types(ak, bk, &path.key(), clashes),
            merge_types(av, bv, &path.value(), clashes),
        ),
        (H::Struct(x), H::Struct(y)) => H::Struct(merge_struct(x, y, path, clashes)),
        (
            H::Decimal {
                precision: p1,
                scale: s1,
            },
            H::Decimal {
                precision: p2,
                scale: s2,
            },
        ) => {
            let scale = *s1.max(s2);
            let integer_digits = (p1 - s1).max(p2 - s2);
            let precision = integer_digits + scale;
            if precision > MAX_DECIMAL_PRECISION {
                return clash();
            }
            H::Decimal { precision, scale }
        }
        _ => match (integer_rank(a), integer_rank(b)) {
            (Some(x), Some(y)) => {
                if x >= y {
                    a.clone()
                } else {
                    b.clone()
                }
            }
            _ if matches!((a, b), (H::Float, H::Double) | (H::Double, H::Float)) => H::Double,
            _ => clash(),
        },
    }
}

/// Whether a union-map branch's values are read as a property declared `declared` in its
/// view: the branch's own type (complex ones too), a safe widening, any number as double,
/// anything as text (a list, map or struct as its JSON).
pub fn branch_reads_as(branch: &HiveType, declared: &HiveType) -> bool {
    branch == declared
        || *declared == HiveType::String
        || (*declared == HiveType::Double && branch.is_numeric())
        || widen(branch, declared).is_ok_and(|wider| wider == *declared)
}

/// Paths (and types) of struct fields present in `data` but not in `declared`.
pub fn undeclared_fields(
    data: &HiveType,
    declared: &HiveType,
    path: &ColumnPath,
    found: &mut Vec<(String, HiveType)>,
) {
    use HiveType as H;
    match (data, declared) {
        (H::Struct(data_fields), H::Struct(declared_fields)) => {
            for field in data_fields {
                let nested = path.field(&field.name);
                match declared_fields
                    .iter()
                    .find(|d| same_name(&d.name, &field.name))
                {
                    Some(d) => undeclared_fields(&field.ty, &d.ty, &nested, found),
                    None => found.push((nested.to_string(), field.ty.clone())),
                }
            }
        }
        (H::Array(a), H::Array(b)) => undeclared_fields(a, b, &path.element(), found),
        (H::Map(_, av), H::Map(_, bv)) => undeclared_fields(av, bv, &path.value(), found),
        _ => {}
    }
}

fn integer_rank(ty: &HiveType) -> Option<u8> {
    match ty {
        HiveType::TinyInt => Some(1),
        HiveType::SmallInt => Some(2),
        HiveType::Int => Some(3),
        HiveType::BigInt => Some(4),
        _ => None,
    }
}

fn merge_struct(
    left: &[StructField],
    right: &[StructField],
    path: &ColumnPath,
    clashes: &mut Vec<Clash>,
) -> Vec<StructField> {
    let mut merged = left.to_vec();
    for field in right {
        match merged.iter().position(|m| same_name(&m.name, &field.name)) {
            Some(i) => {
                let nested = path.field(&field.name);
                merged[i].ty = merge_types(&merged[i].ty, &field.ty, &nested, clashes);
            }
            None => merged.push(field.clone()),
        }
    }
    merged
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> HiveType {
        s.parse().unwrap()
    }

    #[test]
    fn widens_along_safe_reads() {
        assert_eq!(widen(&t("tinyint"), &t("int")).unwrap(), t("int"));
        assert_eq!(widen(&t("bigint"), &t("smallint")).unwrap(), t("bigint"));
        assert_eq!(widen(&t("float"), &t("double")).unwrap(), t("double"));
        assert_eq!(
            widen(&t("decimal(10,2)"), &t("decimal(12,4)")).unwrap(),
            t("decimal(12,4)")
        );
        assert_eq!(
            widen(&t("decimal(10,0)"), &t("decimal(5,3)")).unwrap(),
            t("decimal(13,3)")
        );
        assert_eq!(
            widen(
                &t("array<struct<a:int>>"),
                &t("array<struct<A:bigint,b:string>>")
            )
            .unwrap(),
            t("array<struct<a:bigint,b:string>>")
        );
    }

    #[test]
    fn refuses_what_engines_do_not_promise() {
        for (a, b) in [
            ("bigint", "string"),
            ("int", "double"),
            ("int", "decimal(10,0)"),
            ("date", "timestamp"),
            ("decimal(38,0)", "decimal(10,5)"),
            ("array<int>", "int"),
        ] {
            assert!(widen(&t(a), &t(b)).is_err(), "{a} + {b}");
        }
        let clash = widen(
            &t("struct<d:struct<w:int>>"),
            &t("struct<d:struct<w:string>>"),
        )
        .unwrap_err();
        assert_eq!(clash.path, "d.w");
        assert_eq!((clash.left, clash.right), (t("int"), t("string")));
    }

    #[test]
    fn a_clash_keeps_the_current_type_there_and_merging_goes_on() {
        let mut clashes = Vec::new();
        let merged = merge_types(
            &t("struct<a:bigint,m:map<string,struct<x:int>>,l:array<int>>"),
            &t("struct<a:double,m:map<string,struct<x:string,y:int>>,l:array<bigint>,n:date>"),
            &ColumnPath::default(),
            &mut clashes,
        );
        assert_eq!(
            merged,
            t("struct<a:bigint,m:map<string,struct<x:int,y:int>>,l:array<bigint>,n:date>")
        );
        let paths: Vec<&str> = clashes.iter().map(|c| c.path.as_str()).collect();
        assert_eq!(paths, ["a", "m{}.x"]);
    }
}
