"""The numpy rate simulator, the reference backend (single layers: `layer`)."""
