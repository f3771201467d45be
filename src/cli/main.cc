#include <cstdio>
int main() { std::puts("lake"); return 0; }
