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
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    times.sort()
    assert len(times) == senders * each
    # The k-th message may not go before k intervals have passed, whoever sends it. A busy machine
    # only makes senders wake late, never early, so this holds however loaded the machine is.
    early = [(k, t - started) for k, t in enumerate(times) if t < started + k / rate * 0.99]
    assert not early, f"messages before their turn (index, seconds after start): {early}"
