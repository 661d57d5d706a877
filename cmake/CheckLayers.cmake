# cmake -DLAYER=models -DALLOWED=common,models -DFILES=a.h,b.cpp -DROOT=<source dir>
#       [-DSTAMP=file] -P CheckLayers.cmake
#
# Fails, naming file, line and include, when a file of core/LAYER includes a header of a core
# folder not in ALLOWED, or anything under ui/ or app/. Writes STAMP when every file passes.
cmake_minimum_required(VERSION 3.21)
string(REPLACE "," ";" allowed "${ALLOWED}")
string(REPLACE "," ";" files "${FILES}")
set(errors "")
foreach(file IN LISTS files)
  file(STRINGS "${file}" lines)
  set(number 0)
  foreach(line IN LISTS lines)
    math(EXPR number "${number} + 1")
    if(NOT line MATCHES "^[ \t]*#[ \t]*include[ \t]*[\"<]([^\">]+)[\">]")
      continue()
    endif()
    set(header "${CMAKE_MATCH_1}")
    file(RELATIVE_PATH shown "${ROOT}" "${file}")
    if(header MATCHES "^core/([a-z_]+)/")
      if(NOT CMAKE_MATCH_1 IN_LIST allowed)
        list(APPEND errors "${shown}:${number}: core/${LAYER} may not include ${header}: "
                           "irl4rec::${LAYER} does not link irl4rec::${CMAKE_MATCH_1} "
                           "(it may use ${ALLOWED})\n")
      endif()
    elseif(header MATCHES "^(ui|app)/")
      list(APPEND errors "${shown}:${number}: core/${LAYER} may not include ${header}: "
                         "core never depends on the GUI or the entry points\n")
    endif()
  endforeach()
endforeach()
if(errors)
  # NOTICE prints the lines as they are (FATAL_ERROR would re-wrap them).
  string(REPLACE ";" "" text "${errors}")
  message(NOTICE "${text}")
  message(FATAL_ERROR "core layering violated (docs/ARCHITECTURE.md)")
endif()
if(STAMP)
  get_filename_component(stamp_dir "${STAMP}" DIRECTORY)
  file(MAKE_DIRECTORY "${stamp_dir}")
  file(TOUCH "${STAMP}")
endif()
