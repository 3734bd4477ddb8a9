/* The program the spawn benchmark starts: does nothing, exits 0. */
int main(void)
{
	return 0;
}
