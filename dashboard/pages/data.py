from dashboard.page_data import render

render()
