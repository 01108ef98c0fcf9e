"""The state folder (.state/): notices, the forced log, the build lock, the SQLite records."""
