"""`hooks report`: one self-contained HTML page of one Neptune offline run, or of several side by side."""
