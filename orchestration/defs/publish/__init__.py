"""Publish: copy the aggregate marts into a new serving file and swap it in atomically,
then refresh Superset's datasets on it."""
