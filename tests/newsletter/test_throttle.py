"""The send rate without Redis (a laptop): one budget for all of a process's sender threads."""

import threading
import time

from mail.throttle import SendRate


def test_without_redis_the_senders_of_a_process_share_one_rate(settings):
    settings.MAIL_REDIS_URL = ""
    rate, senders, each = 50, 3, 10
    shared = SendRate(per_second=rate)
    times: list[float] = []

    def sender() -> None:
        for _ in range(each):
            shared.wait()
            times.append(time.monotonic())

    threads = [threading.Thread(target=sender) for _ in range(senders)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    times.sort()
    assert len(times) == senders * each
    # n messages at `rate` per second need at least (n - 1) intervals, whoever sends them,
    # and no tenth of a second holds more than its share (5), give or take one for timer jitter.
    assert times[-1] - times[0] >= (len(times) - 1) / rate * 0.95
    busiest = max(sum(1 for other in times if start <= other < start + 0.1) for start in times)
    assert busiest <= rate * 0.1 + 1
