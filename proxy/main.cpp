#include "proxyapp.h"

int main(int argc, char *argv[])
{
    return proxyMain(argc, argv);
}
