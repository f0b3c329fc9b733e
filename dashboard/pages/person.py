from dashboard.page_person import render

render()
