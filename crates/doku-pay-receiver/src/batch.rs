//! Group commit for a store's statements: callers that arrive while earlier statements are
//! running are answered by one statement over all of them, so a busy receiver pays one
//! round trip and one commit for many notifications, and an idle one waits for nobody (a
//! lone caller's batch is sent at once).

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};

use tokio::sync::{Semaphore, mpsc, oneshot};

use crate::store::StoreError;

type Reply<O> = oneshot::Sender<Result<O, StoreError>>;
type Queue<I, O> = mpsc::Sender<(I, Reply<O>)>;
type Run<I, O> = Arc<
    dyn Fn(Vec<I>) -> Pin<Box<dyn Future<Output = Result<Vec<O>, StoreError>> + Send>>
        + Send
        + Sync,
>;

/// Runs `run` over batches of at most `max` items, at most `parallel` batches at a time;
/// `run` answers one output per input, in order.
pub(crate) struct Batcher<I, O> {
    queue: Mutex<Option<Queue<I, O>>>,
    run: Run<I, O>,
    max: usize,
    parallel: usize,
}

impl<I: Send + 'static, O: Send + 'static> Batcher<I, O> {
    pub(crate) fn new(
        max: usize,
        parallel: usize,
        run: impl Fn(Vec<I>) -> Pin<Box<dyn Future<Output = Result<Vec<O>, StoreError>> + Send>>
        + Send
        + Sync
        + 'static,
    ) -> Self {
        Self {
            queue: Mutex::new(None),
            run: Arc::new(run),
            max: max.max(1),
            parallel: parallel.max(1),
        }
    }

    /// Submits `item` and waits for its batch's answer. The worker runs on the runtime of
    /// the first caller, and again on the current one if that runtime has gone.
    pub(crate) async fn submit(&self, item: I) -> Result<O, StoreError> {
        let (reply, answer) = oneshot::channel();
        let queue = self.queue();
        let item = match queue.send((item, reply)).await {
            Ok(()) => return answer.await.unwrap_or_else(|_| Err(gone())),
            // The worker's runtime has shut down: start another here.
            Err(mpsc::error::SendError((item, reply))) => {
                self.queue.lock().unwrap_or_else(|p| p.into_inner()).take();
                (item, reply)
            }
        };
        self.queue().send(item).await.map_err(|_| gone())?;
        answer.await.unwrap_or_else(|_| Err(gone()))
    }

    fn queue(&self) -> Queue<I, O> {
        let mut queue = self.queue.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(q) = queue.as_ref().filter(|q| !q.is_closed()) {
            return q.clone();
        }
        let (tx, rx) = mpsc::channel(self.max * self.parallel * 4);
        tokio::spawn(work(rx, Arc::clone(&self.run), self.max, self.parallel));
        *queue = Some(tx.clone());
        tx
    }
}

/// Takes what has queued up (at most `max`) whenever a batch may start, and runs it.
async fn work<I: Send + 'static, O: Send + 'static>(
    mut rx: mpsc::Receiver<(I, Reply<O>)>,
    run: Run<I, O>,
    max: usize,
    parallel: usize,
) {
    let slots = Arc::new(Semaphore::new(parallel));
    let mut jobs = Vec::with_capacity(max);
    loop {
        let Ok(slot) = Arc::clone(&slots).acquire_owned().await else {
            return;
        };
        if rx.recv_many(&mut jobs, max).await == 0 {
            return;
        }
        let (items, replies): (Vec<I>, Vec<Reply<O>>) = jobs.drain(..).unzip();
        let run = Arc::clone(&run);
        tokio::spawn(async move {
            let _slot = slot;
            let n = items.len();
            match run(items).await {
                Ok(outs) if outs.len() == n => {
                    for (reply, out) in replies.into_iter().zip(outs) {
                        let _ = reply.send(Ok(out));
                    }
                }
                Ok(_) => {
                    let e = StoreError::Backend("a batch answered the wrong number of rows".into());
                    for reply in replies {
                        let _ = reply.send(Err(e.clone()));
                    }
                }
                Err(e) => {
                    for reply in replies {
                        let _ = reply.send(Err(e.clone()));
                    }
                }
            }
        });
    }
}

fn gone() -> StoreError {
    StoreError::Backend("the store's batch worker stopped (its runtime shut down)".into())
}
