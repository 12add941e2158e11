/* Reef version macros. */
#ifndef REEF_VERSION_H
#define REEF_VERSION_H

#define REEF_VERSION_MAJOR 0
#define REEF_VERSION_MINOR 1
#define REEF_VERSION_PATCH 0
#define REEF_VERSION_STRING "0.1.0"
/* One integer that grows with every release: 0x00MMmmpp. */
#define REEF_VERSION_HEX                                                                           \
    ((REEF_VERSION_MAJOR << 16) | (REEF_VERSION_MINOR << 8) | REEF_VERSION_PATCH)

#endif
