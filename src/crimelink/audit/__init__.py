"""The audit log: every read of personal data and every change, append-only and hash-chained.

``models`` holds the tables; ``service`` records (``record``), verifies (``verify``) and
searches (``search_events``) the log; ``web`` audits the web app's requests; ``cli`` is the
``crimelink audit`` command group. This face stays empty so that the store's models can
import ``crimelink.audit.models`` without pulling in the rest.
"""
