"""Demo: a ready campaign from the bundled PandaLM data, with its real human votes."""
