//! A small HTTP proxy in front of moto for the Glue tests: it records every Glue operation and
//! the size of every partition batch (moto does not enforce the API's limits), and can answer
//! some calls with throttling or a 500 without forwarding them, as AWS does under load.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

/// Every Glue call seen: operation name and, for partition batches, the batch size.
#[derive(Debug, Default)]
pub struct Calls {
    pub operations: Vec<(String, Option<usize>)>,
}

impl Calls {
    pub fn count(&self) -> BTreeMap<String, usize> {
        let mut counts = BTreeMap::new();
        for (operation, _) in &self.operations {
            *counts.entry(operation.clone()).or_default() += 1;
        }
        counts
    }

    pub fn batch_sizes(&self, operation: &str) -> Vec<usize> {
        self.operations
            .iter()
            .filter(|(op, _)| op == operation)
            .filter_map(|(_, size)| *size)
            .collect()
    }
}

pub struct GlueProxy {
    pub endpoint: String,
    pub calls: Arc<Mutex<Calls>>,
    /// Every Nth forwarded-or-failed Glue call fails (0: none).
    fail_every: Arc<AtomicU64>,
    pub injected: Arc<AtomicU64>,
}

impl GlueProxy {
    /// Starts the proxy on a free port, on a thread of its own that lives as long as the test
    /// process (so it can be used from sync and async tests alike).
    pub fn start(upstream: &str) -> GlueProxy {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let endpoint = format!("http://{}", listener.local_addr().unwrap());
        let upstream = upstream.trim_start_matches("http://").to_string();
        let calls = Arc::new(Mutex::new(Calls::default()));
        let fail_every = Arc::new(AtomicU64::new(0));
        let injected = Arc::new(AtomicU64::new(0));
        let seen = Arc::new(AtomicU64::new(0));
        let state = (calls.clone(), fail_every.clone(), injected.clone(), seen);
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async move {
                let listener = TcpListener::from_std(listener).unwrap();
                loop {
                    let Ok((client, _)) = listener.accept().await else {
                        return;
                    };
                    let upstream = upstream.clone();
                    let state = state.clone();
                    tokio::spawn(async move {
                        let _ = serve(client, &upstream, state).await;
                    });
                }
            });
        });
        GlueProxy {
            endpoint,
            calls,
            fail_every,
            injected,
        }
    }

    pub fn fail_every(&self, n: u64) {
        self.fail_every.store(n, Ordering::SeqCst);
    }

    pub fn take_calls(&self) -> Calls {
        std::mem::take(&mut *self.calls.lock().unwrap())
    }
}

type State = (
    Arc<Mutex<Calls>>,
    Arc<AtomicU64>,
    Arc<AtomicU64>,
    Arc<AtomicU64>,
);

struct Message {
    head: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Message {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn write_to(&self, out: &mut Vec<u8>, close: bool) {
        out.extend_from_slice(self.head.as_bytes());
        out.extend_from_slice(b"\r\n");
        for (name, value) in &self.headers {
            if ["content-length", "transfer-encoding", "connection"]
                .iter()
                .any(|h| name.eq_ignore_ascii_case(h))
            {
                continue;
            }
            out.extend_from_slice(format!("{name}: {value}\r\n").as_bytes());
        }
        out.extend_from_slice(format!("Content-Length: {}\r\n", self.body.len()).as_bytes());
        if close {
            out.extend_from_slice(b"Connection: close\r\n");
        }
        out.extend_from_slice(b"\r\n");
        out.extend_from_slice(&self.body);
    }
}

/// Reads one HTTP/1.1 message; `None` at a clean end of stream. A body without a length runs
/// to the end of the stream (responses sent with `Connection: close`).
async fn read_message<R: tokio::io::AsyncRead + Unpin>(
    reader: &mut BufReader<R>,
    to_eof: bool,
) -> std::io::Result<Option<Message>> {
    let mut head = String::new();
    if reader.read_line(&mut head).await? == 0 {
        return Ok(None);
    }
    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).await?;
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            headers.push((name.trim().to_string(), value.trim().to_string()));
        }
    }
    let mut message = Message {
        head: head.trim_end().to_string(),
        headers,
        body: Vec::new(),
    };
    if let Some(length) = message.header("content-length") {
        let mut body = vec![0; length.parse().unwrap_or(0)];
        reader.read_exact(&mut body).await?;
        message.body = body;
    } else if message
        .header("transfer-encoding")
        .is_some_and(|t| t.eq_ignore_ascii_case("chunked"))
    {
        loop {
            let mut size = String::new();
            reader.read_line(&mut size).await?;
            let size = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
            let mut chunk = vec![0; size + 2];
            reader.read_exact(&mut chunk).await?;
            if size == 0 {
                break;
            }
            message.body.extend_from_slice(&chunk[..size]);
        }
    } else if to_eof {
        reader.read_to_end(&mut message.body).await?;
    }
    Ok(Some(message))
}

async fn serve(client: TcpStream, upstream: &str, state: State) -> std::io::Result<()> {
    let (calls, fail_every, injected, seen) = state;
    let (read_half, mut write_half) = client.into_split();
    let mut reader = BufReader::new(read_half);
    while let Some(request) = read_message(&mut reader, false).await? {
        let operation = request
            .header("x-amz-target")
            .and_then(|t| t.strip_prefix("AWSGlue."))
            .map(str::to_string);
        let mut response = Vec::new();
        let injected_now = match &operation {
            Some(_) => {
                let n = seen.fetch_add(1, Ordering::SeqCst) + 1;
                let every = fail_every.load(Ordering::SeqCst);
                every > 0 && n % every == 0
            }
            None => false,
        };
        if injected_now {
            let n = injected.fetch_add(1, Ordering::SeqCst);
            let (status, kind) = if n % 2 == 0 {
                ("400 Bad Request", "ThrottlingException")
            } else {
                ("500 Internal Server Error", "InternalServiceException")
            };
            let body =
                format!("{{\"__type\":\"{kind}\",\"message\":\"Rate exceeded (injected)\"}}");
            response.extend_from_slice(
                format!(
                    "HTTP/1.1 {status}\r\nContent-Type: application/x-amz-json-1.1\r\n\
                     x-amzn-ErrorType: {kind}\r\nContent-Length: {}\r\n\r\n{body}",
                    body.len()
                )
                .as_bytes(),
            );
        } else {
            if let Some(operation) = &operation {
                let size = serde_json::from_slice::<serde_json::Value>(&request.body)
                    .ok()
                    .and_then(|json| {
                        ["PartitionInputList", "Entries", "PartitionsToDelete"]
                            .iter()
                            .find_map(|key| json[key].as_array().map(Vec::len))
                    });
                calls
                    .lock()
                    .unwrap()
                    .operations
                    .push((operation.clone(), size));
            }
            let mut upstream_stream = TcpStream::connect(upstream).await?;
            let mut forwarded = Vec::new();
            request.write_to(&mut forwarded, true);
            upstream_stream.write_all(&forwarded).await?;
            let mut upstream_reader = BufReader::new(upstream_stream);
            let Some(answer) = read_message(&mut upstream_reader, true).await? else {
                return Ok(());
            };
            answer.write_to(&mut response, false);
        }
        write_half.write_all(&response).await?;
    }
    Ok(())
}
