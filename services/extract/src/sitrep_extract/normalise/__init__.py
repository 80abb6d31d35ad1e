"""Normalisers: numbers, dates, places and sentences, each turning text into typed values."""
