//! Group commit for a store's statements: callers that arrive while earlier statements are
//! running are answered by one statement over all of them, so a busy receiver pays one
//! round trip and one commit for many notifications, and an idle one waits for nobody (a
//! lone caller's batch is sent at once).

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};

use tokio::sync::{mpsc, oneshot};

use crate::store::StoreError;

type Reply<O> = oneshot::Sender<Result<O, StoreError>>;
type Queue<I, O> = mpsc::Sender<(I, Reply<O>)>;
type Run<I, O> = Arc<
    dyn Fn(Vec<I>) -> Pin<Box<dyn Future<Output = Result<Vec<O>, StoreError>> + Send>>
        + Send
        + Sync,
>;

/// Runs `run` over batches of at most `max` items, one batch at a time: callers arriving
/// while a batch runs queue up and go together in the next. `run` answers one output per
/// input, in order.
pub(crate) struct Batcher<I, O> {
    queue: Mutex<Option<Queue<I, O>>>,
    run: Run<I, O>,
    max: usize,
}

impl<I: Send + 'static, O: Send + 'static> Batcher<I, O> {
    pub(crate) fn new(
        max: usize,
        run: impl Fn(Vec<I>) -> Pin<Box<dyn Future<Output = Result<Vec<O>, StoreError>> + Send>>
        + Send
        + Sync
        + 'static,
    ) -> Self {
        Self {
            queue: Mutex::new(None),
            run: Arc::new(run),
            max: max.max(1),
        }
    }

    /// Submits `item` and waits for its batch's answer. The worker runs on the runtime of
    /// the first caller, and again on the current one if that runtime has gone.
    pub(crate) async fn submit(&self, item: I) -> Result<O, StoreError> {
        let (reply, answer) = oneshot::channel();
        let item = match self.queue().send((item, reply)).await {
            Ok(()) => return answer.await.unwrap_or_else(|_| Err(gone())),
            // The worker's runtime has shut down: start another here.
            Err(mpsc::error::SendError(item)) => {
                self.queue.lock().unwrap_or_else(|p| p.into_inner()).take();
                item
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
        let (tx, rx) = mpsc::channel(self.max * 4);
        tokio::spawn(work(rx, Arc::clone(&self.run), self.max));
        *queue = Some(tx.clone());
        tx
    }
}

/// Takes what has queued up (at most `max`), runs it, answers each caller, and again.
async fn work<I, O>(mut rx: mpsc::Receiver<(I, Reply<O>)>, run: Run<I, O>, max: usize) {
    let mut jobs = Vec::with_capacity(max);
    while rx.recv_many(&mut jobs, max).await > 0 {
        let (items, replies): (Vec<I>, Vec<Reply<O>>) = jobs.drain(..).unzip();
        let n = items.len();
        let answers: Vec<Result<O, StoreError>> = match run(items).await {
            Ok(outs) if outs.len() == n => outs.into_iter().map(Ok).collect(),
            Ok(_) => failed(
                n,
                &StoreError::Backend("a batch answered the wrong number of rows".into()),
            ),
            Err(e) => failed(n, &e),
        };
        for (reply, answer) in replies.into_iter().zip(answers) {
            let _ = reply.send(answer);
        }
    }
}

fn failed<O>(n: usize, e: &StoreError) -> Vec<Result<O, StoreError>> {
    (0..n).map(|_| Err(e.clone())).collect()
}

fn gone() -> StoreError {
    StoreError::Backend("the store's batch worker stopped (its runtime shut down)".into())
}
