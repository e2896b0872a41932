"""Grading with nbgrader: verdicts computed outside the student's kernel, and a whole class
graded in one command."""
