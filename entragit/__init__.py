"""entragit: backup and recovery of a Microsoft Entra ID tenant as code, in git."""

__version__ = "0.1.0"
