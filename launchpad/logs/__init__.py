"""Agents' logs on their way to the database: the container runtime's log files and the node shipper that
reads them (services/collector stores what it sends)."""
