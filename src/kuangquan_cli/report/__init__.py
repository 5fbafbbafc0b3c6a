"""The weekly report (通报): its data, sentences, charts and rendering."""
