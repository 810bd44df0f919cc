"""The host's plugin system: hook markers, specifications, records and the manager."""
import pluggy

PROJECT = "crm"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)
