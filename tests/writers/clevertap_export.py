"""Writes Parquet files in CleverTap's generic export shape with pyarrow, the writer most
pipelines use (catalog-facts section 7): `eventName`, `eventTime`, and the union maps
`profile`, `deviceInfo` and `eventProps`, whose branches are scalars, lists, lists of structs
and maps.

Reads a JSON list from standard input, one entry per file:
  {"path": ..., "codec": "snappy" | "gzip" | "zstd" | "lz4" | "brotli" | "none",
   "records": [{"eventName": ..., "eventTime": ..., "eventProps": [[key, {member: value}]] or
               null, "profile": ..., "deviceInfo": ...}]}
A map's entries are [key, value] pairs; a value names the one branch it is in.
"""

import json
import os
import sys

import pyarrow as pa
import pyarrow.parquet as pq

SCALARS = [
    ("member0", pa.bool_()),
    ("member1", pa.int32()),
    ("member2", pa.int64()),
    ("member3", pa.float32()),
    ("member4", pa.float64()),
    ("member5", pa.string()),
]
EVENT_PROPS = pa.map_(
    pa.string(),
    pa.struct(SCALARS + [("member6", pa.list_(pa.struct(SCALARS)))]),
)
PROFILE = pa.map_(
    pa.string(),
    pa.struct([("member0", pa.string()), ("member1", pa.list_(pa.string()))]),
)
DEVICE_INFO = pa.map_(
    pa.string(),
    pa.struct(
        [
            ("member0", pa.string()),
            ("member1", pa.int64()),
            ("member2", pa.map_(pa.string(), pa.string())),
        ]
    ),
)
SCHEMA = pa.schema(
    [
        ("eventName", pa.string()),
        ("eventTime", pa.string()),
        ("profile", PROFILE),
        ("deviceInfo", DEVICE_INFO),
        ("eventProps", EVENT_PROPS),
    ]
)


def entries(pairs):
    """A map's [key, value] pairs as pyarrow takes them; nested maps too."""
    if pairs is None:
        return None
    out = []
    for key, value in pairs:
        if "member2" in value and isinstance(value["member2"], list):
            value = dict(value, member2=[tuple(pair) for pair in value["member2"]])
        out.append((key, value))
    return out


def main():
    for spec in json.load(sys.stdin):
        rows = [
            {
                "eventName": record["eventName"],
                "eventTime": record["eventTime"],
                "profile": entries(record.get("profile")),
                "deviceInfo": entries(record.get("deviceInfo")),
                "eventProps": entries(record.get("eventProps")),
            }
            for record in spec["records"]
        ]
        table = pa.Table.from_pylist(rows, schema=SCHEMA)
        os.makedirs(os.path.dirname(spec["path"]), exist_ok=True)
        pq.write_table(table, spec["path"], compression=spec["codec"])


if __name__ == "__main__":
    main()
