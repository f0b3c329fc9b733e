from dashboard.page_method import render

render()
