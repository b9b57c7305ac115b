from jifen import create_app

app = create_app()
