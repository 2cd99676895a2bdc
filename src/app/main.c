/* Placeholder until the daemon shell lands. */
int main(void);
int main(void) { return 0; }
