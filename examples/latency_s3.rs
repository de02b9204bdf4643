//! S3 at real-world latency, for the bench: a small S3-compatible endpoint over a lake that
//! adds latency to every request (20 ms plus an exponential tail of mean 10 ms per GET, 60 ms
//! per listing page of 1,000 keys) and counts requests and open connections. It only sleeps
//! and copies bytes, on one thread, so the client under test has the rest of the machine.
//!
//! Usage:
//!   latency_s3 LAKE_DIR                 the files below LAKE_DIR, as bucket `lake`
//!   latency_s3 LAKE_DIR --copies N      each file N times (`copy-<i>/` before its table
//!                                       folder's partitions), for lakes larger than the disk
//!
//! Prints `port <PORT> objects <N>` once listening. `GET /__stats` answers the counters as
//! JSON (requests by kind, peak open connections, and the mean number of GETs in flight from
//! the first GET's arrival to the last one's answer); `GET /__reset` sets them to zero.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::time::{Duration, Instant};

use std::cell::{Cell, RefCell};

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

const GET_FIXED: Duration = Duration::from_millis(20);
const GET_TAIL_MEAN_MS: f64 = 10.0;
const LIST_PAGE: Duration = Duration::from_millis(60);
const PAGE_SIZE: usize = 1000;
const BUCKET: &str = "lake";

struct Object {
    key: String,
    file: PathBuf,
    size: u64,
}

#[derive(Default)]
struct Counters {
    get: Cell<u64>,
    head: Cell<u64>,
    list: Cell<u64>,
    open: Cell<u64>,
    peak: Cell<u64>,
    gets: GetsInFlight,
    /// When the first request of the client arrived.
    first_request: Cell<Option<Instant>>,
}

/// GETs being answered, integrated over time: how busy the client keeps its read slots.
#[derive(Default)]
struct GetsInFlight {
    now: Cell<u64>,
    /// GET-seconds summed since the first GET arrived.
    integral: Cell<f64>,
    first: Cell<Option<Instant>>,
    last_change: Cell<Option<Instant>>,
}

impl GetsInFlight {
    fn change(&self, by: i64) {
        let now = Instant::now();
        if let Some(last) = self.last_change.get() {
            let held = self.now.get() as f64 * (now - last).as_secs_f64();
            self.integral.set(self.integral.get() + held);
        }
        self.first.set(self.first.get().or(Some(now)));
        self.last_change.set(Some(now));
        self.now.set(self.now.get().saturating_add_signed(by));
    }

    /// From the first GET's arrival to the last answer.
    fn window(&self) -> Duration {
        match (self.first.get(), self.last_change.get()) {
            (Some(first), Some(last)) => last - first,
            _ => Duration::ZERO,
        }
    }

    /// The mean from the first GET's arrival to the last change.
    fn mean(&self) -> f64 {
        match (self.first.get(), self.last_change.get()) {
            (Some(first), Some(last)) if last > first => {
                self.integral.get() / (last - first).as_secs_f64()
            }
            _ => 0.0,
        }
    }

    fn reset(&self) {
        self.integral.set(0.0);
        self.first.set(None);
        self.last_change.set(None);
    }
}

/// A listing's entries: keys with their object's index, common prefixes without.
type Entries = Rc<Vec<(String, Option<usize>)>>;

struct Endpoint {
    objects: Vec<Object>,
    listings: RefCell<HashMap<(String, String), Entries>>,
    counters: Counters,
    random: Cell<u64>,
}

fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(root) = args.first() else {
        eprintln!("usage: latency_s3 LAKE_DIR [--copies N]");
        std::process::exit(2);
    };
    let copies = match args.get(1).map(String::as_str) {
        Some("--copies") => args.get(2).and_then(|n| n.parse().ok()).unwrap_or(1),
        _ => 1,
    };
    let mut files = Vec::new();
    walk(Path::new(root), Path::new(root), &mut files)?;
    let mut objects = Vec::new();
    for copy in 0..copies {
        for (relative, file, size) in &files {
            let key = if copies == 1 {
                relative.clone()
            } else {
                // table/partition.../file → table/copy=<i>/partition.../file: one more
                // partition level keeps every copy inside its table.
                match relative.split_once('/') {
                    Some((table, rest)) => format!("{table}/copy={copy}/{rest}"),
                    None => format!("copy={copy}/{relative}"),
                }
            };
            objects.push(Object {
                key,
                file: file.clone(),
                size: *size,
            });
        }
    }
    objects.sort_by(|a, b| a.key.cmp(&b.key));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let local = tokio::task::LocalSet::new();
    local.block_on(&runtime, async move {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        println!(
            "port {} objects {}",
            listener.local_addr()?.port(),
            objects.len()
        );
        let endpoint = Rc::new(Endpoint {
            objects,
            listings: RefCell::default(),
            counters: Counters::default(),
            random: Cell::new(0x9E37_79B9_7F4A_7C15),
        });
        loop {
            let (stream, _) = listener.accept().await?;
            stream.set_nodelay(true)?;
            let endpoint = Rc::clone(&endpoint);
            tokio::task::spawn_local(async move {
                let counters = &endpoint.counters;
                counters.open.set(counters.open.get() + 1);
                counters
                    .peak
                    .set(counters.peak.get().max(counters.open.get()));
                let _ = serve(&endpoint, stream).await;
                counters.open.set(counters.open.get() - 1);
            });
        }
    })
}

fn walk(
    root: &Path,
    folder: &Path,
    files: &mut Vec<(String, PathBuf, u64)>,
) -> std::io::Result<()> {
    for entry in std::fs::read_dir(folder)? {
        let path = entry?.path();
        if path.is_dir() {
            walk(root, &path, files)?;
        } else {
            let relative = path
                .strip_prefix(root)
                .expect("below the root")
                .to_string_lossy()
                .replace('\\', "/");
            let size = path.metadata()?.len();
            files.push((relative, path, size));
        }
    }
    Ok(())
}

/// One connection: requests answered one after the other (HTTP/1.1 keep-alive).
async fn serve(endpoint: &Endpoint, stream: TcpStream) -> std::io::Result<()> {
    let (read, mut write) = stream.into_split();
    let mut reader = BufReader::new(read);
    loop {
        let mut request_line = String::new();
        if reader.read_line(&mut request_line).await? == 0 {
            return Ok(());
        }
        let mut range = None;
        let mut body_length = 0usize;
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line).await? == 0 {
                return Ok(());
            }
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            if let Some((name, value)) = line.split_once(':') {
                match name.to_ascii_lowercase().as_str() {
                    "range" => range = Some(value.trim().to_string()),
                    "content-length" => body_length = value.trim().parse().unwrap_or(0),
                    _ => {}
                }
            }
        }
        let mut body = vec![0; body_length];
        reader.read_exact(&mut body).await?;
        let mut parts = request_line.split_whitespace();
        let (method, target) = (parts.next().unwrap_or(""), parts.next().unwrap_or("/"));
        let answer = endpoint.answer(method, target, range.as_deref()).await;
        write.write_all(&answer).await?;
    }
}

impl Endpoint {
    async fn answer(&self, method: &str, target: &str, range: Option<&str>) -> Vec<u8> {
        let (path, query) = target.split_once('?').unwrap_or((target, ""));
        let query: HashMap<String, String> = query
            .split('&')
            .filter(|p| !p.is_empty())
            .map(|pair| {
                let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
                (decode(k, true), decode(v, true))
            })
            .collect();
        let counters = &self.counters;
        match path {
            "/__stats" => {
                let json = format!(
                    "{{\"GET\": {}, \"HEAD\": {}, \"LIST\": {}, \"peak_connections\": {}, \
                     \"mean_gets_in_flight\": {:.1}, \"gets_window_ms\": {:.0}, \
                     \"first_get_ms\": {:.0}}}",
                    counters.get.get(),
                    counters.head.get(),
                    counters.list.get(),
                    counters.peak.get(),
                    counters.gets.mean(),
                    counters.gets.window().as_secs_f64() * 1000.0,
                    counters
                        .first_request
                        .get()
                        .zip(counters.gets.first.get())
                        .map_or(0.0, |(first, get)| (get - first).as_secs_f64() * 1000.0)
                );
                return response(
                    200,
                    &[("Content-Type", "application/json".into())],
                    json.as_bytes(),
                );
            }
            "/__reset" => {
                counters.get.set(0);
                counters.gets.reset();
                counters.first_request.set(None);
                counters.head.set(0);
                counters.list.set(0);
                // The connection asking is not the client's.
                counters.peak.set(counters.open.get() - 1);
                return response(200, &[], b"");
            }
            _ => {}
        }
        let arrived = counters.first_request.get().unwrap_or_else(Instant::now);
        counters.first_request.set(Some(arrived));
        let key = decode(
            path.trim_start_matches('/')
                .strip_prefix(BUCKET)
                .unwrap_or("")
                .trim_start_matches('/'),
            false,
        );
        if method == "GET" && query.contains_key("list-type") {
            counters.list.set(counters.list.get() + 1);
            tokio::time::sleep(LIST_PAGE).await;
            return self.list(&query);
        }
        let Ok(index) = self.objects.binary_search_by(|o| o.key.as_str().cmp(&key)) else {
            return response(404, &[], b"<Error><Code>NoSuchKey</Code></Error>");
        };
        let object = &self.objects[index];
        let tag = format!("\"{:016x}\"", fnv(&object.key));
        let common = [
            ("ETag", tag),
            ("Last-Modified", "Sat, 19 Sep 2020 00:00:00 GMT".to_string()),
        ];
        if method == "HEAD" {
            counters.head.set(counters.head.get() + 1);
            tokio::time::sleep(self.get_latency()).await;
            // The head of a GET's answer, without its body.
            return head(200, &common, object.size as usize);
        }
        counters.get.set(counters.get.get() + 1);
        counters.gets.change(1);
        tokio::time::sleep(self.get_latency()).await;
        let size = object.size;
        let (first, last) = match range.and_then(|r| r.strip_prefix("bytes=")) {
            Some(spec) => match spec.split_once('-') {
                Some(("", suffix)) => {
                    let n: u64 = suffix.parse().unwrap_or(0);
                    (size.saturating_sub(n), size.saturating_sub(1))
                }
                Some((first, "")) => (first.parse().unwrap_or(0), size.saturating_sub(1)),
                Some((first, last)) => (
                    first.parse().unwrap_or(0),
                    last.parse::<u64>().unwrap_or(0).min(size.saturating_sub(1)),
                ),
                None => (0, size.saturating_sub(1)),
            },
            None => (0, size.saturating_sub(1)),
        };
        let data = read_range(&object.file, first, last + 1 - first.min(last + 1));
        let mut headers = common.to_vec();
        let status = if range.is_some() {
            headers.push(("Content-Range", format!("bytes {first}-{last}/{size}")));
            206
        } else {
            200
        };
        counters.gets.change(-1);
        response(status, &headers, &data)
    }

    /// 20 ms plus an exponential tail of mean 10 ms.
    fn get_latency(&self) -> Duration {
        // xorshift64*: enough randomness for a latency tail.
        let mut x = self.random.get();
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.random.set(x);
        let uniform = (x.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11) as f64 / (1u64 << 53) as f64;
        let tail = -GET_TAIL_MEAN_MS * (1.0 - uniform).ln();
        GET_FIXED + Duration::from_secs_f64(tail / 1000.0)
    }

    fn list(&self, query: &HashMap<String, String>) -> Vec<u8> {
        let prefix = query.get("prefix").cloned().unwrap_or_default();
        let delimiter = query.get("delimiter").cloned().unwrap_or_default();
        let entries = self.entries(&prefix, &delimiter);
        // A continuation token is the index of the page's first entry; `start-after` names a
        // key, as S3's does.
        let start: usize = match (query.get("continuation-token"), query.get("start-after")) {
            (Some(token), _) => token.parse().unwrap_or(0),
            (None, Some(after)) => entries.partition_point(|(key, _)| key <= after),
            (None, None) => 0,
        };
        let page = &entries[start.min(entries.len())..(start + PAGE_SIZE).min(entries.len())];
        let truncated = start + PAGE_SIZE < entries.len();
        let mut xml = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><ListBucketResult><Name>{BUCKET}</Name>\
             <Prefix>{}</Prefix><KeyCount>{}</KeyCount><MaxKeys>{PAGE_SIZE}</MaxKeys>\
             <IsTruncated>{truncated}</IsTruncated>",
            escape(&prefix),
            page.len()
        );
        if truncated {
            xml.push_str(&format!(
                "<NextContinuationToken>{}</NextContinuationToken>",
                start + PAGE_SIZE
            ));
        }
        for (name, object) in page {
            match object {
                None => xml.push_str(&format!(
                    "<CommonPrefixes><Prefix>{}</Prefix></CommonPrefixes>",
                    escape(name)
                )),
                Some(index) => {
                    let object = &self.objects[*index];
                    xml.push_str(&format!(
                        "<Contents><Key>{}</Key><LastModified>2020-09-19T00:00:00.000Z\
                         </LastModified><ETag>\"{:016x}\"</ETag><Size>{}</Size>\
                         <StorageClass>STANDARD</StorageClass></Contents>",
                        escape(name),
                        fnv(name),
                        object.size
                    ));
                }
            }
        }
        xml.push_str("</ListBucketResult>");
        response(
            200,
            &[("Content-Type", "application/xml".into())],
            xml.as_bytes(),
        )
    }

    /// Keys (with their object) and common prefixes (without) below `prefix`, in S3's order;
    /// kept, since a listing is asked for page after page.
    fn entries(&self, prefix: &str, delimiter: &str) -> Entries {
        let wanted = (prefix.to_string(), delimiter.to_string());
        if let Some(entries) = self.listings.borrow().get(&wanted) {
            return Rc::clone(entries);
        }
        let start = self.objects.partition_point(|o| o.key.as_str() < prefix);
        let mut entries: Vec<(String, Option<usize>)> = Vec::new();
        for (index, object) in self.objects.iter().enumerate().skip(start) {
            let Some(rest) = object.key.strip_prefix(prefix) else {
                break;
            };
            match rest.find(delimiter).filter(|_| !delimiter.is_empty()) {
                Some(at) => {
                    let common = format!("{prefix}{}", &rest[..at + delimiter.len()]);
                    if entries.last().is_none_or(|(last, _)| *last != common) {
                        entries.push((common, None));
                    }
                }
                None => entries.push((object.key.clone(), Some(index))),
            }
        }
        let entries = Rc::new(entries);
        self.listings
            .borrow_mut()
            .insert(wanted, Rc::clone(&entries));
        entries
    }
}

fn read_range(file: &Path, offset: u64, length: u64) -> Vec<u8> {
    use std::io::{Read, Seek, SeekFrom};
    let mut data = vec![0; length as usize];
    if let Ok(mut f) = std::fs::File::open(file) {
        let _ = f
            .seek(SeekFrom::Start(offset))
            .and_then(|_| f.read_exact(&mut data));
    }
    data
}

fn response(status: u16, headers: &[(&str, String)], body: &[u8]) -> Vec<u8> {
    let mut out = head(status, headers, body.len());
    out.extend_from_slice(body);
    out
}

fn head(status: u16, headers: &[(&str, String)], length: usize) -> Vec<u8> {
    let reason = match status {
        200 => "OK",
        206 => "Partial Content",
        _ => "Not Found",
    };
    let mut out =
        format!("HTTP/1.1 {status} {reason}\r\nContent-Length: {length}\r\n").into_bytes();
    for (name, value) in headers {
        out.extend_from_slice(format!("{name}: {value}\r\n").as_bytes());
    }
    out.extend_from_slice(b"\r\n");
    out
}

/// Percent-decoding (`+` is a space in a query, a plus in a path).
fn decode(text: &str, plus_is_space: bool) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = bytes
            .get(i + 1..i + 3)
            .and_then(|hex| std::str::from_utf8(hex).ok())
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        match (bytes[i], escaped) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
                continue;
            }
            (b'+', _) if plus_is_space => out.push(b' '),
            (byte, _) => out.push(byte),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A stable tag per key (FNV-1a).
fn fnv(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
    })
}
