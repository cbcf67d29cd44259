//! Retrying calls to outside systems: exponential backoff with full jitter on transient
//! failures, honouring the wait a system asks for (`Retry-After`). Connectors never retry
//! themselves: the engine wraps every connector call in [`RetryPolicy::call`], and the HR source
//! and reconcile's listings wrap their requests the same way.

use std::time::Duration;

use crate::connector::ConnectorError;

/// How often and how patiently to retry a transient failure.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included.
    pub attempts: u32,
    /// The first backoff; each retry doubles it, up to `max_delay`.
    pub base_delay: Duration,
    /// The longest wait between attempts (a longer `Retry-After` is capped to it).
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            attempts: 6,
            base_delay: Duration::from_millis(200),
            max_delay: Duration::from_secs(30),
        }
    }
}

impl RetryPolicy {
    /// The wait before retry number `retry` (0-based): the system's `retry_after` when it gave
    /// one, else a random duration in `[0, base * 2^retry]` (full jitter), both capped.
    pub fn delay(&self, retry: u32, retry_after: Option<Duration>) -> Duration {
        let delay = match retry_after {
            Some(wait) => wait,
            None => {
                let ceiling = self
                    .base_delay
                    .saturating_mul(1u32.checked_shl(retry.min(20)).unwrap_or(u32::MAX));
                let ceiling = ceiling.min(self.max_delay);
                ceiling.mul_f64(fastrand::f64())
            }
        };
        delay.min(self.max_delay)
    }

    /// Call `op` until it succeeds, fails permanently, or the attempts run out; `on_retry` hears
    /// about each retry (attempt number, the error, the wait) before the wait.
    pub fn call<T>(
        &self,
        mut op: impl FnMut() -> Result<T, ConnectorError>,
        mut on_retry: impl FnMut(u32, &ConnectorError, Duration),
    ) -> Result<T, ConnectorError> {
        let mut retry = 0;
        loop {
            match op() {
                Err(error @ ConnectorError::Transient { .. }) if retry + 1 < self.attempts => {
                    let ConnectorError::Transient { retry_after, .. } = &error else {
                        unreachable!("matched above")
                    };
                    let wait = self.delay(retry, *retry_after);
                    on_retry(retry + 1, &error, wait);
                    std::thread::sleep(wait);
                    retry += 1;
                }
                other => return other,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn transient(after: Option<u64>) -> ConnectorError {
        ConnectorError::Transient {
            message: "503".into(),
            retry_after: after.map(Duration::from_millis),
        }
    }

    #[test]
    fn delays_grow_are_jittered_and_capped() {
        let policy = RetryPolicy {
            attempts: 10,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(1),
        };
        for retry in 0..10 {
            let ceiling = Duration::from_millis(100 * (1 << retry)).min(policy.max_delay);
            for _ in 0..50 {
                assert!(policy.delay(retry, None) <= ceiling);
            }
        }
        assert_eq!(
            policy.delay(0, Some(Duration::from_millis(700))),
            Duration::from_millis(700)
        );
        assert_eq!(
            policy.delay(0, Some(Duration::from_secs(90))),
            Duration::from_secs(1)
        );
    }

    #[test]
    fn retries_transient_until_success_and_never_permanent() {
        let policy = RetryPolicy {
            attempts: 4,
            base_delay: Duration::from_millis(1),
            max_delay: Duration::from_millis(2),
        };
        let mut calls = 0;
        let mut waits = Vec::new();
        let result = policy.call(
            || {
                calls += 1;
                if calls < 3 {
                    Err(transient(Some(1)))
                } else {
                    Ok(calls)
                }
            },
            |n, _, wait| waits.push((n, wait)),
        );
        assert_eq!(result.unwrap(), 3);
        assert_eq!(waits.len(), 2);
        assert_eq!(waits[0], (1, Duration::from_millis(1)));

        let mut calls = 0;
        let result: Result<(), _> = policy.call(
            || {
                calls += 1;
                Err(ConnectorError::Permanent {
                    message: "403".into(),
                })
            },
            |_, _, _| {},
        );
        assert!(matches!(result, Err(ConnectorError::Permanent { .. })));
        assert_eq!(calls, 1);

        let mut calls = 0;
        let result: Result<(), _> = policy.call(
            || {
                calls += 1;
                Err(transient(None))
            },
            |_, _, _| {},
        );
        assert!(matches!(result, Err(ConnectorError::Transient { .. })));
        assert_eq!(calls, 4, "gives up after the configured attempts");
    }
}
