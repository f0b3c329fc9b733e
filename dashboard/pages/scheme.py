from dashboard.page_scheme import render

render()
