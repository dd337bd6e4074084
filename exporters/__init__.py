"""Built-in coursec exporters, found through the `coursec.exporters` entry-point group."""
