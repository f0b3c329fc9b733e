"""The dashboard's pages, one file each: app.py hands each file to st.navigation, which runs it (its ``render()``);
importing a page module (tests) draws nothing."""
