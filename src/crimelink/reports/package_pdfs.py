"""Package PDFs produced in the background, with their progress, and kept for the next download.

WeasyPrint lays out a page of the incident table in about a tenth of a second, whatever the
stylesheet: the package of a prolific group (350 incidents, and as many timeline entries: over
40 pages) takes several seconds. So a PDF is produced as a job. The download waits a moment for
it (most packages are done by then) and otherwise answers with the job's progress, which is read
from WeasyPrint's own progress log (``weasyprint.progress``: it names each page as it lays it out,
and WeasyPrint documents it for giving feedback to end users).

A finished PDF is kept under its package's content key (:func:`crimelink.reports.package.package_key`),
in memory only: an OFFICIAL-SENSITIVE document is not written to disk. The next download of the same
package is instant; a package whose content changed (a new incident, a grading that now withholds
one, another recipient, another day) has another key, so nothing stale is ever served. The last
few are kept, within a byte budget.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime

__all__ = ["PdfJob", "PdfJobs"]

log = logging.getLogger(__name__)
PROGRESS_LOG = "weasyprint.progress"
_rendering = threading.local()  # the job the current worker thread is rendering


@dataclass
class PdfJob:
    """One package's PDF: waiting, being produced (how far), done (its bytes), or failed (why)."""

    key: str
    produced_at: datetime
    pages_expected: int  # an estimate from the package's rows, for the progress bar
    stage: str = "waiting"  # waiting, reading, laying out, writing, done, failed
    page: int = 0  # the page being laid out
    pdf: bytes | None = None
    failure: BaseException | None = None
    finished: threading.Event = field(default_factory=threading.Event)

    def wait(self, seconds: float) -> bool:
        """Whether it has finished (done or failed), waiting up to ``seconds`` for it."""
        return self.finished.wait(seconds) if seconds > 0 else self.finished.is_set()

    @property
    def percent(self) -> int:
        """How far it has got: reading and styling the document is about a tenth of the work,
        laying out the pages three quarters, writing the PDF the rest."""
        if self.stage == "done":
            return 100
        if self.stage == "writing":
            return 90
        if self.stage == "laying out":
            return min(10 + round(75 * self.page / max(self.pages_expected, self.page, 1)), 85)
        return 5 if self.stage == "reading" else 0


class _Progress(logging.Handler):
    """WeasyPrint's progress lines, noted on the job that the logging thread renders."""

    def emit(self, record: logging.LogRecord) -> None:
        job: PdfJob | None = getattr(_rendering, "job", None)
        if job is None:
            return
        step = str(record.msg)
        if step.startswith("Step 5"):
            job.stage = "laying out"
            if "Page" in step and isinstance(record.args, tuple) and record.args and isinstance(record.args[0], int):
                job.page = record.args[0]
        elif step.startswith(("Step 6", "Step 7")):
            job.stage = "writing"
        else:
            job.stage = "reading"


def _listen_to_weasyprint() -> None:
    logger = logging.getLogger(PROGRESS_LOG)
    if not any(isinstance(h, _Progress) for h in logger.handlers):
        logger.addHandler(_Progress())
        logger.setLevel(logging.INFO)
        logger.propagate = False  # a line per page is the progress bar's, not the application log's


class PdfJobs:
    """The PDFs being produced and those kept, by package key.

    ``workers`` PDFs are produced at once (each holds a CPU); the others wait their turn. Done PDFs
    are kept, the most recently asked for first, while there are at most ``keep`` of them and
    ``keep_bytes`` in all.
    """

    def __init__(self, *, workers: int = 2, keep: int = 24, keep_bytes: int = 64 * 2**20) -> None:
        self.workers, self.keep, self.keep_bytes = workers, keep, keep_bytes
        self._jobs: OrderedDict[str, PdfJob] = OrderedDict()
        self._lock = threading.Lock()
        self._executor: ThreadPoolExecutor | None = None

    def job(self, key: str, render: Callable[[], bytes], *, produced_at: datetime, pages_expected: int) -> PdfJob:
        """The job for ``key``: the one done or under way, else one started now with ``render``.

        A failed job is answered once (so its failure can be reported) and then forgotten: the
        next request for the package starts again.
        """
        with self._lock:
            job = self._jobs.get(key)
            if job is not None:
                if job.stage == "failed":
                    del self._jobs[key]
                else:
                    self._jobs.move_to_end(key)
                return job
            job = PdfJob(key, produced_at, pages_expected)
            self._jobs[key] = job
            if self._executor is None:
                _listen_to_weasyprint()
                self._executor = ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="package-pdf")
            self._executor.submit(self._produce, job, render)
            return job

    def _produce(self, job: PdfJob, render: Callable[[], bytes]) -> None:
        _rendering.job = job
        job.stage = "reading"
        try:
            job.pdf = render()
            job.stage = "done"
        except Exception as failure:  # reported to whoever asks next, as their request's error
            log.exception("package PDF %s failed", job.key[:12])
            job.failure = failure
            job.stage = "failed"
        finally:
            _rendering.job = None
            job.finished.set()
            with self._lock:
                self._forget_beyond_budget()

    def _forget_beyond_budget(self) -> None:
        done = [key for key, job in self._jobs.items() if job.stage == "done"]  # least recently asked first
        size = sum(len(self._jobs[key].pdf or b"") for key in done)
        while done and (len(done) > self.keep or size > self.keep_bytes):
            key = done.pop(0)
            size -= len(self._jobs.pop(key).pdf or b"")
