"""evaluate's speed figures record how busy other processes kept the machine while they were timed."""

import subprocess
import sys
import time

from sitrep_extract.evaluate import OtherLoad


def test_other_load_sees_a_busy_process_beside_the_timing() -> None:
    busy = subprocess.Popen([sys.executable, "-c", "import time\nend = time.time() + 3\nwhile time.time() < end: pass"])
    try:
        time.sleep(0.3)
        with OtherLoad() as load:
            time.sleep(1.0)  # this process idles; the child spins one core
    finally:
        busy.kill()
        busy.wait()
    assert load.cores is not None and load.cores > 0.5


def test_other_load_does_not_count_this_process() -> None:
    with OtherLoad() as load:
        end = time.process_time() + 0.5
        while time.process_time() < end:
            pass
    assert load.cores is not None and load.cores < 0.9  # the spinning here is ours, not another's
