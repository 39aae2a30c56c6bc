"""Old path of the scan gate's provider: stack states written before 2026-12 name this class here
(components/providers/retired.py says why). The resource lives in components/providers/image_scan.py."""

from components.providers.image_scan import _ScanProvider as _ScanProvider
