"""Trackers: the Sink protocol (``base``), the registry (``registry``), one folder per tracker."""
