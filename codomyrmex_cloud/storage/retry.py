"""One retry shape for S3, GCS and Azure, mapped onto each SDK's own retry machinery.

``RetryPolicy(max_attempts=, backoff_base=, backoff_max=)`` means the same on every cloud:

- What is retried is each SDK's own, documented judgement (botocore's ``standard`` mode
  conditions: throttling, 5xx, connection errors; google's ``DEFAULT_RETRY`` predicate,
  with writes retried only when a generation precondition makes repeating them safe, as
  google's ``ConditionalRetryPolicy`` does; azure-storage's retry conditions). A refused
  connection never reached the server, so it is always retried.
- How often: at most ``max_attempts`` requests in total (1 disables retrying).
- How long between: exponential backoff with full jitter (botocore ``standard`` mode, the
  Coda client's :class:`~codomyrmex_cloud.RetryPolicy`):
  ``uniform(0, min(backoff_max, backoff_base * 2**retry))``.
- Never past the operation's ``deadline``: no retry starts once it has passed, and a
  backoff that would cross it is not taken.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field

from codomyrmex_cloud.storage.errors import InvalidArgumentError


@dataclass(frozen=True)
class RetryPolicy:
    """How a storage client retries a request (the same on S3, GCS and Azure).

    Attributes:
        max_attempts: Requests in total, the first included (1 disables retrying).
        backoff_base: Seconds of the first backoff ceiling; doubles every retry.
        backoff_max: Ceiling of any single backoff.
        jitter: Source of jitter in [0, 1) (inject ``random.Random(seed).random`` in tests).
    """

    max_attempts: int = 4
    backoff_base: float = 0.5
    backoff_max: float = 10.0
    jitter: Callable[[], float] = field(default=random.random, compare=False, repr=False)

    def __post_init__(self) -> None:
        if isinstance(self.max_attempts, bool) or not isinstance(self.max_attempts, int) or self.max_attempts < 1:
            raise InvalidArgumentError(
                f"retry: max_attempts must be an int >= 1, got {self.max_attempts!r}", argument="retry"
            )
        for name in ("backoff_base", "backoff_max"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value < math.inf:
                raise InvalidArgumentError(
                    f"retry: {name} must be a finite number >= 0, got {value!r}", argument="retry"
                )

    def backoff(self, retry: int) -> float:
        """Seconds to wait before retry number ``retry`` (0-based): full-jitter exponential."""
        ceiling = min(self.backoff_max, self.backoff_base * (2.0 ** min(retry, 62)))
        return ceiling * self.jitter()

    @classmethod
    def disabled(cls) -> RetryPolicy:
        """A policy that sends every request once."""
        return cls(max_attempts=1)


def check_retry(value: object) -> RetryPolicy:
    """``value`` if it is a storage :class:`RetryPolicy` (None: the default one).

    Raises:
        InvalidArgumentError: Anything else, named ``retry``; the message names
            ``StorageRetryPolicy`` (the top-level ``RetryPolicy`` is the Coda client's, a
            different shape).
    """
    if value is None:
        return RetryPolicy()
    if isinstance(value, RetryPolicy):
        return value
    kind = type(value)
    given = f"{kind.__module__}.{kind.__qualname__}"
    if kind.__module__.startswith("codomyrmex_cloud.coda"):
        given = "the Coda client's RetryPolicy"
    raise InvalidArgumentError(
        "retry: the storage clients take a StorageRetryPolicy (from codomyrmex_cloud import"
        f" StorageRetryPolicy), not {given}",
        argument="retry",
    )
