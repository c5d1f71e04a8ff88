"""Plain HTTP routes served beside Streamlit (sign-in, links, health). Like pages, they call core."""
