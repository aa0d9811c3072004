//! The bounded queue between the walk and the workers.
//!
//! `std::sync::mpsc::sync_channel` wakes a blocked sender on every receive: the walk,
//! much faster than the workers, kept the queue full, so every file taken cost a switch to
//! the walk thread and back (about three context switches per file, 6 000 on a
//! 2000-file run). Here the walk, once the queue is full, sleeps until the workers have
//! taken half of it (a low-water mark), and a worker is woken only when an item arrives
//! while it waits: the threads meet once per half a queue, not once per file. Workers
//! still take one input at a time, so the last files are shared out as before.

use std::collections::VecDeque;
use std::sync::{Condvar, Mutex, MutexGuard};

#[derive(Debug)]
struct State<T> {
    items: VecDeque<T>,
    /// no more items will come
    closed: bool,
    /// workers that hold a [`Taker`]
    takers: usize,
    /// workers waiting for an item
    waiting: usize,
    /// the producer waits for room
    producer_waits: bool,
}

/// A bounded multi-consumer queue with a low-water mark for the producer.
#[derive(Debug)]
pub(super) struct Queue<T> {
    cap: usize,
    state: Mutex<State<T>>,
    not_empty: Condvar,
    room: Condvar,
}

/// A worker's handle: while one is alive, [`Queue::push`] can hand out items.
#[derive(Debug)]
pub(super) struct Taker<'q, T> {
    queue: &'q Queue<T>,
}

impl<T> Queue<T> {
    /// A queue of at most `cap` items (at least 2).
    pub(super) fn new(cap: usize) -> Self {
        Queue {
            cap: cap.max(2),
            state: Mutex::new(State {
                items: VecDeque::new(),
                closed: false,
                takers: 0,
                waiting: 0,
                producer_waits: false,
            }),
            not_empty: Condvar::new(),
            room: Condvar::new(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State<T>> {
        // a worker that panicked while holding the lock left consistent state: every
        // change under the lock is a single push, pop or counter update
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// A handle for one worker (take it before the worker starts, so that no item is
    /// pushed when nobody can take it).
    pub(super) fn taker(&self) -> Taker<'_, T> {
        self.lock().takers += 1;
        Taker { queue: self }
    }

    /// Adds an item, waiting for room; gives it back when no worker is left to take it.
    pub(super) fn push(&self, item: T) -> Result<(), T> {
        let mut s = self.lock();
        while s.items.len() >= self.cap && s.takers > 0 {
            s.producer_waits = true;
            s = self
                .room
                .wait(s)
                .unwrap_or_else(std::sync::PoisonError::into_inner);
        }
        if s.takers == 0 {
            return Err(item);
        }
        s.items.push_back(item);
        if s.waiting > 0 {
            self.not_empty.notify_one();
        }
        Ok(())
    }

    /// No more items: workers finish what is queued, then stop.
    pub(super) fn close(&self) {
        self.lock().closed = true;
        self.not_empty.notify_all();
    }
}

impl<T> Taker<'_, T> {
    /// The next item; `None` once the queue is closed and empty.
    pub(super) fn next(&self) -> Option<T> {
        let q = self.queue;
        let mut s = q.lock();
        loop {
            if let Some(item) = s.items.pop_front() {
                if s.producer_waits && s.items.len() <= q.cap / 2 {
                    s.producer_waits = false;
                    q.room.notify_one();
                }
                return Some(item);
            }
            if s.closed {
                return None;
            }
            s.waiting += 1;
            s = q
                .not_empty
                .wait(s)
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            s.waiting -= 1;
        }
    }
}

impl<T> Drop for Taker<'_, T> {
    fn drop(&mut self) {
        let q = self.queue;
        let mut s = q.lock();
        s.takers = s.takers.saturating_sub(1);
        if s.takers == 0 {
            // the producer must not wait for room that nobody will make
            q.room.notify_all();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// Every item is taken exactly once, by several workers, through a small queue.
    #[test]
    fn every_item_is_taken_once() {
        let q = Queue::new(4);
        let sum = AtomicUsize::new(0);
        let count = AtomicUsize::new(0);
        std::thread::scope(|s| {
            for _ in 0..3 {
                let t = q.taker();
                let (sum, count) = (&sum, &count);
                s.spawn(move || {
                    while let Some(i) = t.next() {
                        sum.fetch_add(i, Ordering::Relaxed);
                        count.fetch_add(1, Ordering::Relaxed);
                    }
                });
            }
            for i in 1..=10_000usize {
                q.push(i).unwrap();
            }
            q.close();
        });
        assert_eq!(count.into_inner(), 10_000);
        assert_eq!(sum.into_inner(), 10_000 * 10_001 / 2);
    }

    /// The queue never holds more than its bound, and the producer is not woken per item.
    #[test]
    fn bounded_and_the_producer_waits_for_half() {
        let q = Queue::new(8);
        let max = AtomicUsize::new(0);
        std::thread::scope(|s| {
            let t = q.taker();
            let (q, max) = (&q, &max);
            s.spawn(move || {
                while let Some(()) = t.next() {
                    let len = q.lock().items.len();
                    max.fetch_max(len, Ordering::Relaxed);
                    std::thread::yield_now();
                }
            });
            for _ in 0..2000 {
                q.push(()).unwrap();
                assert!(q.lock().items.len() <= 8);
            }
            q.close();
        });
        assert!(max.into_inner() <= 8);
    }

    /// With no worker left, an item is given back instead of waiting forever.
    #[test]
    fn no_worker_left_gives_the_item_back() {
        let q = Queue::new(2);
        let t = q.taker();
        q.push(1).unwrap();
        q.push(2).unwrap();
        drop(t);
        assert_eq!(q.push(3), Err(3));
        // and a producer that waits for room is released when the last worker goes
        let q = Queue::new(2);
        std::thread::scope(|s| {
            let t = q.taker();
            q.push(1).unwrap();
            q.push(2).unwrap();
            s.spawn(move || {
                std::thread::sleep(std::time::Duration::from_millis(50));
                drop(t);
            });
            assert_eq!(q.push(3), Err(3));
        });
    }
}
